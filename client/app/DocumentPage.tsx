/**
 * `/d/<id>`: the top bar (title, presence, connection, Share, timeline, account) over the outline, the
 * editor and the timeline. Who we are and what we may do come from the document's token (tokens.ts): the
 * signed-in person's, or a host application's; the title and our role from `GET /api/documents/:id`, and our
 * role live from the socket's `access` notices.
 */
import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { canEdit, type DocumentRole, type Me } from '../../shared/accounts/api.js';
import { AccountMenu } from '../accounts/AccountMenu.js';
import { documentsApi } from '../accounts/api.js';
import { signedOut } from '../accounts/authStore.js';
import { DocumentEditor } from '../editor/DocumentEditor.js';
import type { Identity } from '../identity/identity.js';
import { OutlineLockBadge } from '../locks/OutlineLockBadge.js';
import { useLockClient } from '../locks/useLockClient.js';
import { Outline } from '../outline/Outline.js';
import { FollowChip } from '../presence/FollowChip.js';
import { PresenceBar } from '../presence/PresenceBar.js';
import { afterNextPaint } from '../presence/afterNextPaint.js';
import { usePresence } from '../presence/usePresence.js';
import type { CollabSession, SessionSnapshot } from '../session/CollabSession.js';
import { readHostSession, TokenManager } from '../session/tokens.js';
import { useCollabSession } from '../session/useCollabSession.js';
import { ShareButton } from '../sharing/ShareButton.js';
import { LiveSlot } from '../timeline/LiveSlot.js';
import { LazyTimelinePanel, LazyTimelinePreview } from '../timeline/lazyTimeline.js';
import { TimelineToggle } from '../timeline/TimelineToggle.js';
import { useTimeline } from '../timeline/useTimeline.js';
import { NotFoundScreen, RevokedScreen } from './AccessScreens.js';
import { Banners } from './Banners.js';
import { DocumentTitle } from './DocumentTitle.js';
import { linkFromAddress, navigate, removeLinkFromAddress } from './route.js';
import { ConnectionStatus, SaveStatus } from './StatusIndicators.js';
import { useDocumentInfo, type DocumentInfoState } from './useDocumentInfo.js';

interface Props {
  docName: string;
  /** The signed-in person; null when a host application's token opens the document. */
  me: Me | null;
}

/** Until the server names it (or offline, never): a placeholder that does not pretend to be the title. */
const UNKNOWN_TITLE = 'Document';

export function DocumentPage({ docName, me }: Props) {
  const [cameWithLink] = useState(() => linkFromAddress() !== null);
  const [tokens] = useState(() => new TokenManager(docName, { link: linkFromAddress(), onLinkUsed: removeLinkFromAddress }));
  useEffect(() => () => tokens.dispose(), [tokens]);
  const session = useCollabSession(docName, tokens);
  const accountMode = me !== null && !tokens.hostMode;
  const info = useDocumentInfo(docName, accountMode);
  const identity = useTokenIdentity(tokens, me);
  // A host application names its documents itself; its address is all we know of it.
  const title = info.info?.title ?? (accountMode ? UNKNOWN_TITLE : docName);

  useEffect(() => {
    document.title = `${title} — Tandem`;
    return () => {
      document.title = 'Tandem';
    };
  }, [title]);

  return (
    <div className="app">
      {session ? (
        <DocumentView session={session} docName={docName} identity={identity} tokens={tokens} me={accountMode ? me : null} info={info} title={title} cameWithLink={cameWithLink} />
      ) : (
        <TopBar title={<DocumentTitle title={title} editable={false} onRename={async () => undefined} />} account={me && <AccountMenu me={me} />} />
      )}
    </div>
  );
}

/** Our name and colour: the server's, from the latest token; until then the account's (or the host's). */
function useTokenIdentity(tokens: TokenManager, me: Me | null): Identity {
  const [identity, setIdentity] = useState<Identity>(() => {
    const user = readHostSession()?.user ?? me;
    return { name: user?.name ?? 'Someone', color: user?.color ?? '#3e63dd' };
  });
  useEffect(
    () =>
      tokens.onToken(({ user }) =>
        setIdentity((current) => (current.name === user.name && current.color === user.color ? current : { name: user.name, color: user.color })),
      ),
    [tokens],
  );
  return identity;
}

/**
 * The session's state for this page. Every keystroke changes `pendingChanges` (and the server's
 * acknowledgement changes it back). Re-rendering the page for it is a React commit, and while the
 * editor has focus each commit measures the selection from the editor's start (React's selection
 * bookkeeping, O(document)): in a 200-page document that delays the typed character. So a change of
 * that count alone reaches the page after the keystroke's paint; any other change at once, with it.
 */
function usePageSnapshot(session: CollabSession): SessionSnapshot {
  const [shown, setShown] = useState(() => ({ session, snapshot: session.getSnapshot() }));
  useEffect(() => {
    let cancel: (() => void) | null = null;
    const show = (): void => {
      cancel?.();
      cancel = null;
      const snapshot = session.getSnapshot();
      setShown((current) => (current.session === session && current.snapshot === snapshot ? current : { session, snapshot }));
    };
    let last = session.getSnapshot();
    const onChange = (): void => {
      const next = session.getSnapshot();
      const countOnly = onlyPendingChangesDiffer(last, next);
      last = next;
      if (countOnly) cancel ??= afterNextPaint(show);
      else show();
    };
    show();
    const unsubscribe = session.subscribe(onChange);
    return () => {
      unsubscribe();
      cancel?.();
    };
  }, [session]);
  // A new session's first render, before the effect above: never show the previous session's state.
  return shown.session === session ? shown.snapshot : session.getSnapshot();
}

function onlyPendingChangesDiffer(a: SessionSnapshot, b: SessionSnapshot): boolean {
  return (
    a.connection === b.connection &&
    a.storedLocally === b.storedLocally &&
    a.readOnlyReason === b.readOnlyReason &&
    a.notice === b.notice &&
    a.access === b.access
  );
}

function DocumentView({
  session,
  docName,
  identity,
  tokens,
  me,
  info,
  title,
  cameWithLink,
}: {
  session: CollabSession;
  docName: string;
  identity: Identity;
  tokens: TokenManager;
  me: Me | null;
  info: DocumentInfoState;
  title: string;
  cameWithLink: boolean;
}) {
  const snapshot = usePageSnapshot(session);
  const presence = usePresence(session, tokens, identity);
  const locks = useLockClient(session);
  const timeline = useTimeline(session, tokens);
  const { connection } = snapshot;
  const stopped = connection.kind === 'error' ? connection.cause : null;
  // The live role (socket) wins over the one read over HTTP, which may be a moment older.
  const role: DocumentRole | null = snapshot.access?.role ?? info.info?.role ?? null;
  // Refused for good (no access, too large) or not allowed to edit: keep showing the text, but edits could never sync.
  const readOnly = snapshot.readOnlyReason !== null || connection.kind === 'error';
  const { reload, set: setInfo } = info;
  // This device's copy is shown once the server has said we may see the document, or when it cannot be
  // asked (offline, unreachable): on a shared computer it may be someone else's copy.
  const showText = snapshot.access !== undefined || connection.kind === 'offline' || connection.kind === 'reconnecting' || connection.kind === 'error';

  useEffect(() => {
    // The session behind our token ended (signed out everywhere, password changed): back to sign-in.
    if (stopped === 'signedOut') signedOut();
  }, [stopped]);

  useEffect(() => {
    // A live role change may come with a new title or ownership: read them again.
    if (snapshot.access?.changed) reload();
  }, [snapshot.access?.changed, snapshot.access?.role, reload]);

  const rename = useCallback(
    async (next: string) => {
      setInfo(await documentsApi.rename(docName, next));
    },
    [setInfo, docName],
  );

  // Stable, so the memoized outline re-renders for its own data, not for every keystroke's save status.
  const renderLockBadge = useCallback((sectionId: string) => <OutlineLockBadge locks={locks} sectionId={sectionId} />, [locks]);

  const titleNode = <DocumentTitle title={title} editable={me !== null && role !== null && canEdit(role) && stopped === null} onRename={rename} />;
  const account = me && <AccountMenu me={me} />;

  if (stopped === 'notFound') {
    return (
      <>
        <TopBar title={null} account={account} />
        <NotFoundScreen cameWithLink={cameWithLink} />
      </>
    );
  }
  if (stopped === 'accessRevoked') {
    return (
      <>
        <TopBar title={titleNode} account={account} />
        <RevokedScreen session={session} snapshot={snapshot} />
      </>
    );
  }

  return (
    <>
      <TopBar
        title={titleNode}
        presence={<PresenceBar presence={presence} connected={snapshot.connection.kind === 'connected'} />}
        share={me && role && <ShareButton docName={docName} title={title} role={role} />}
        timelineToggle={<TimelineToggle timeline={timeline} />}
        account={account}
      >
        <ConnectionStatus snapshot={snapshot} />
        <SaveStatus snapshot={snapshot} />
      </TopBar>
      <div className="doc-layout">
        <Outline presence={presence} renderSectionExtras={renderLockBadge} />
        <div className="doc-layout__main">
          {/* In the writing column, so a banner lines up with the page it is about. */}
          <Banners snapshot={snapshot} session={session} />
          <LiveSlot hidden={timeline.selection !== null}>
            {showText && <DocumentEditor key={session.docName} session={session} identity={identity} readOnly={readOnly} onEditor={presence.attachEditor} locks={locks} />}
          </LiveSlot>
          <LazyTimelinePreview timeline={timeline} />
        </div>
        <LazyTimelinePanel timeline={timeline} session={session} />
      </div>
      <FollowChip presence={presence} />
    </>
  );
}

function TopBar({
  title,
  presence,
  share,
  timelineToggle,
  account,
  children,
}: {
  title: ReactNode;
  presence?: ReactNode;
  share?: ReactNode;
  timelineToggle?: ReactNode;
  account?: ReactNode;
  children?: ReactNode;
}) {
  return (
    <header className="topbar">
      <a
        className="topbar__brand"
        href="/"
        onClick={(event) => {
          event.preventDefault();
          navigate('/');
        }}
      >
        Tandem
      </a>
      {title && (
        <>
          <span className="topbar__sep" aria-hidden="true">
            ▸
          </span>
          {title}
        </>
      )}
      <span className="topbar__spacer" />
      <div className="presence-slot" data-testid="presence-slot">
        {presence}
      </div>
      <div className="topbar__status">{children}</div>
      {share}
      {timelineToggle}
      {account}
    </header>
  );
}
