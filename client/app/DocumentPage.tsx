import { useEffect, type ReactNode } from 'react';
import { DocumentEditor } from '../editor/DocumentEditor.js';
import { OutlineLockBadge } from '../locks/OutlineLockBadge.js';
import { useLockClient } from '../locks/useLockClient.js';
import { markDocOpened } from '../home/recentDocs.js';
import { Outline } from '../outline/Outline.js';
import { FollowChip } from '../presence/FollowChip.js';
import { PresenceBar } from '../presence/PresenceBar.js';
import { usePresence } from '../presence/usePresence.js';
import type { Identity } from '../identity/identity.js';
import { SettingsButton } from '../identity/SettingsButton.js';
import type { CollabSession } from '../session/CollabSession.js';
import type { TokenManager } from '../session/tokens.js';
import { useCollabSession, useSessionSnapshot } from '../session/useCollabSession.js';
import { Banners } from './Banners.js';
import { navigate } from './route.js';
import { ShareButton } from './ShareButton.js';
import { ConnectionStatus, SaveStatus } from './StatusIndicators.js';
import { LiveSlot } from '../timeline/LiveSlot.js';
import { TimelinePanel, TimelineToggle } from '../timeline/TimelinePanel.js';
import { TimelinePreview } from '../timeline/TimelinePreview.js';
import { useTimeline } from '../timeline/useTimeline.js';

interface Props {
  docName: string;
  identity: Identity;
  tokens: TokenManager;
}

export function DocumentPage({ docName, identity, tokens }: Props) {
  const session = useCollabSession(docName, tokens);

  useEffect(() => {
    markDocOpened(docName);
    document.title = `${docName} · Tandem`;
    return () => {
      document.title = 'Tandem';
    };
  }, [docName]);

  return (
    <div className="app">
      {session ? (
        <DocumentView session={session} docName={docName} identity={identity} tokens={tokens} />
      ) : (
        <TopBar docName={docName} identity={identity} />
      )}
    </div>
  );
}

function DocumentView({ session, docName, identity, tokens }: { session: CollabSession; docName: string; identity: Identity; tokens: TokenManager }) {
  const snapshot = useSessionSnapshot(session);
  const presence = usePresence(session, tokens, identity);
  const locks = useLockClient(session);
  const timeline = useTimeline(session, tokens);
  // Refused for good (no access, too large): keep showing the text, but edits could never sync.
  const readOnly = snapshot.readOnlyReason !== null || snapshot.connection.kind === 'error';
  return (
    <>
      <TopBar docName={docName} identity={identity} presence={<PresenceBar presence={presence} />} timelineToggle={<TimelineToggle timeline={timeline} />}>
        <ConnectionStatus snapshot={snapshot} />
        <SaveStatus snapshot={snapshot} />
      </TopBar>
      <div className="doc-layout">
        <Outline presence={presence} renderSectionExtras={(sectionId) => <OutlineLockBadge locks={locks} sectionId={sectionId} />} />
        <div className="doc-layout__main">
          {/* In the writing column, so a banner lines up with the page it is about. */}
          <Banners snapshot={snapshot} session={session} />
          <LiveSlot hidden={timeline.selection !== null}>
            <DocumentEditor key={session.docName} session={session} identity={identity} readOnly={readOnly} onEditor={presence.attachEditor} locks={locks} />
          </LiveSlot>
          <TimelinePreview timeline={timeline} />
        </div>
        <TimelinePanel timeline={timeline} session={session} />
      </div>
      <FollowChip presence={presence} />
    </>
  );
}

function TopBar({
  docName,
  identity,
  presence,
  timelineToggle,
  children,
}: {
  docName: string;
  identity: Identity;
  presence?: ReactNode;
  timelineToggle?: ReactNode;
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
      <span className="topbar__sep" aria-hidden="true">
        ▸
      </span>
      <h1 className="topbar__title" data-testid="doc-title" title={docName}>
        {docName}
      </h1>
      <span className="topbar__spacer" />
      <div className="presence-slot" data-testid="presence-slot">
        {presence}
      </div>
      <div className="topbar__status">{children}</div>
      <ShareButton />
      {timelineToggle}
      <SettingsButton identity={identity} />
    </header>
  );
}
