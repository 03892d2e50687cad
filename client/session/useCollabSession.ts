import { useEffect, useState, useSyncExternalStore } from 'react';
import { CollabSession, type SessionSnapshot } from './CollabSession.js';
import type { TokenManager } from './tokens.js';

/**
 * The session for one document, alive exactly as long as the component that asks for it and
 * replaced when the document changes. Null until the first effect has run.
 */
export function useCollabSession(docName: string, tokens: TokenManager): CollabSession | null {
  const [session, setSession] = useState<CollabSession | null>(null);
  useEffect(() => {
    const created = new CollabSession(docName, tokens);
    setSession(created);
    return () => {
      setSession(null);
      created.destroy();
    };
  }, [docName, tokens]);
  return session;
}

export function useSessionSnapshot(session: CollabSession): SessionSnapshot {
  return useSyncExternalStore(session.subscribe, session.getSnapshot);
}
