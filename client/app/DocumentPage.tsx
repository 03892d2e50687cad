import { useEffect, type ReactNode } from 'react';
import { DocumentEditor } from '../editor/DocumentEditor.js';
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
  // Refused for good (no access, too large): keep showing the text, but edits could never sync.
  const readOnly = snapshot.readOnlyReason !== null || snapshot.connection.kind === 'error';
  return (
    <>
      <TopBar docName={docName} identity={identity} presence={<PresenceBar presence={presence} />}>
        <ConnectionStatus snapshot={snapshot} />
        <SaveStatus snapshot={snapshot} />
      </TopBar>
      <Banners snapshot={snapshot} />
      <div className="doc-layout">
        <Outline presence={presence} />
        <div className="doc-layout__main">
          <DocumentEditor key={session.docName} session={session} identity={identity} readOnly={readOnly} onEditor={presence.attachEditor} />
        </div>
      </div>
      <FollowChip presence={presence} />
    </>
  );
}

function TopBar({ docName, identity, presence, children }: { docName: string; identity: Identity; presence?: ReactNode; children?: ReactNode }) {
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
      <SettingsButton identity={identity} />
    </header>
  );
}
