import { useEffect, useMemo, useSyncExternalStore } from 'react';
import type { Identity } from '../identity/identity.js';
import type { CollabSession } from '../session/CollabSession.js';
import type { TokenManager } from '../session/tokens.js';
import { PresenceRuntime, type PresenceSnapshot } from './PresenceRuntime.js';

/** The presence runtime of a session, alive as long as the session, fed with our user id and identity. */
export function usePresence(session: CollabSession, tokens: TokenManager, identity: Identity): PresenceRuntime {
  // Identity changes are pushed below; the runtime lives exactly as long as the session's awareness.
  // eslint-disable-next-line react-hooks/exhaustive-deps -- the initial identity only seeds the runtime
  const runtime = useMemo(() => new PresenceRuntime(session.provider.awareness, identity), [session]);

  useEffect(() => {
    runtime.start();
    return () => runtime.stop();
  }, [runtime]);

  useEffect(() => {
    let live = true;
    // Our user id is in the token; the session fetches the same token, so this shares its request.
    tokens.current().then(
      (current) => live && runtime.setUserId(current.user.id),
      () => undefined,
    );
    const off = tokens.onToken((current) => runtime.setUserId(current.user.id));
    return () => {
      live = false;
      off();
    };
  }, [runtime, tokens]);

  useEffect(() => runtime.setIdentity({ name: identity.name, color: identity.color }), [runtime, identity.name, identity.color]);

  return runtime;
}

export function usePresenceSnapshot(runtime: PresenceRuntime): PresenceSnapshot {
  return useSyncExternalStore(runtime.subscribe, runtime.getSnapshot);
}
