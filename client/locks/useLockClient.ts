import { useEffect, useMemo, useSyncExternalStore } from 'react';
import type { LockTable } from '../../shared/locks/lockProtocol.js';
import type { CollabSession } from '../session/CollabSession.js';
import { LockClient, userIdFromToken } from './lockClient.js';

/** The lock client of a session, following the lock table while the component is mounted. */
export function useLockClient(session: CollabSession): LockClient {
  // Who we are comes from the token the provider connects with (the server stamps the same id).
  const locks = useMemo(() => new LockClient(session.provider.awareness, () => userIdFromToken(session.provider.params.token)), [session]);
  useEffect(() => {
    locks.start();
    return () => locks.stop();
  }, [locks]);
  return locks;
}

/** The current lock table, re-rendering on change. */
export function useLockTable(locks: LockClient): LockTable {
  return useSyncExternalStore(
    (listener) => locks.subscribe(listener),
    () => locks.locks(),
  );
}
