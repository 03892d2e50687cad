import { useEffect, useRef, useState } from 'react';
import { canEdit } from '../../shared/accounts/api.js';
import type { CollabSession, SessionSnapshot } from '../session/CollabSession.js';
import { keepsUnsyncedChange } from '../session/closeMessages.js';
import { RefusedChangeBanner } from './RefusedChangeBanner.js';
import { RestoredBanner } from './RestoredBanner.js';
import { navigate } from './route.js';

/** How long transient messages stay: readable, then out of the way. */
const SUMMARY_MS = 4_000;
const NOTICE_MS = 6_000;

/** Offline explanation, the "back online" summary, refusals and server notices, above the editor. */
export function Banners({ snapshot, session }: { snapshot: SessionSnapshot; session: CollabSession }) {
  const summary = useReconnectSummary(snapshot);
  const notice = useTransientNotice(snapshot.notice);
  const { connection, readOnlyReason, access } = snapshot;
  // Lost access, no such document, signed out: the page shows its own screen for these, not a banner.
  const ownScreen = connection.kind === 'error' && (connection.cause === 'accessRevoked' || connection.cause === 'notFound' || connection.cause === 'signedOut');

  return (
    <div className="banners">
      {connection.kind === 'error' && keepsUnsyncedChange(connection.cause) && <RefusedChangeBanner message={connection.message} session={session} />}
      {access?.changeDropped && connection.kind !== 'error' && (
        <RefusedChangeBanner
          testId="dropped-change-banner"
          message={`${readOnlyReason ?? 'Your access changed.'} Your latest changes did not reach the server: they are only on this device. Copy your text if you need it, then discard them to see the document as it is.`}
          session={session}
        />
      )}
      {connection.kind === 'error' && !keepsUnsyncedChange(connection.cause) && !ownScreen && (
        <div className="banner banner--bad" role="alert" data-testid="error-banner">
          <span>{connection.message}</span>
          <button type="button" className="button button--small" onClick={() => navigate('/')}>
            Go to your documents
          </button>
        </div>
      )}
      {connection.kind === 'offline' && (
        <div className="banner banner--muted" role="status" data-testid="offline-banner">
          {connection.reason === 'browser'
            ? "You're offline. Your edits are kept on this device and will sync when you're back online."
            : "Can't reach the server right now. Your edits are kept on this device and will sync once it's back."}
        </div>
      )}
      {summary && (
        <div className="banner banner--ok" role="status" data-testid="reconnect-banner">
          {summary}
        </div>
      )}
      {readOnlyReason !== null && !access?.changeDropped && !ownScreen && (
        <div className={`banner ${access?.changed ? 'banner--notice' : 'banner--muted'}`} role="status" data-testid="access-banner" data-role={access?.role ?? ''}>
          {readOnlyReason}
        </div>
      )}
      {snapshot.restored && (
        <RestoredBanner key={snapshot.restored.id} restored={snapshot.restored} session={session} canEdit={readOnlyReason === null && (access ? canEdit(access.role) : false)} />
      )}
      {notice && readOnlyReason === null && (
        <div className="banner banner--muted" role="status" data-testid="notice-banner">
          {notice}
        </div>
      )}
    </div>
  );
}

/** After an offline period, say what synced once the server has confirmed it. */
function useReconnectSummary(snapshot: SessionSnapshot): string | null {
  const [summary, setSummary] = useState<string | null>(null);
  // Most changes pending at any point while offline: that is what the person made there.
  const offlinePending = useRef<number | null>(null);
  const { connection, pendingChanges } = snapshot;

  useEffect(() => {
    if (connection.kind === 'offline' || connection.kind === 'reconnecting') {
      offlinePending.current = Math.max(offlinePending.current ?? 0, pendingChanges);
      return;
    }
    if (connection.kind === 'connected' && offlinePending.current !== null && pendingChanges === 0) {
      const count = offlinePending.current;
      offlinePending.current = null;
      if (count > 0) setSummary(`Back online — ${count} ${count === 1 ? 'change' : 'changes'} synced.`);
    }
  }, [connection.kind, pendingChanges]);

  useEffect(() => {
    if (!summary) return;
    const timer = setTimeout(() => setSummary(null), SUMMARY_MS);
    return () => clearTimeout(timer);
  }, [summary]);
  return summary;
}

function useTransientNotice(notice: SessionSnapshot['notice']): string | null {
  const [visible, setVisible] = useState<number | null>(null);
  useEffect(() => {
    if (!notice) return;
    setVisible(notice.id);
    const timer = setTimeout(() => setVisible(null), NOTICE_MS);
    return () => clearTimeout(timer);
  }, [notice]);
  return notice && visible === notice.id ? notice.text : null;
}
