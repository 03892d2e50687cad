/** The words and colours for connection and save state: pure, so every state has exactly one text. */
import { assertNever } from '../../shared/protocol/messages.js';
import type { ConnectionState } from './connectionMachine.js';
import type { SessionSnapshot } from './CollabSession.js';

export type StatusTone = 'ok' | 'busy' | 'muted' | 'bad';

export function connectionText(state: ConnectionState, now: number): { text: string; tone: StatusTone } {
  switch (state.kind) {
    case 'connecting':
      switch (state.phase) {
        case 'authenticating':
          return { text: 'Signing in…', tone: 'busy' };
        case 'opening':
          return { text: 'Connecting…', tone: 'busy' };
        case 'syncing':
          return { text: 'Syncing…', tone: 'busy' };
        default:
          return assertNever(state.phase);
      }
    case 'connected':
      return { text: 'Connected', tone: 'ok' };
    case 'reconnecting':
      return { text: countdown('Reconnecting', state.retryAt, now), tone: 'busy' };
    case 'offline':
      if (state.reason === 'browser') return { text: 'Offline', tone: 'muted' };
      return { text: countdown("Can't reach the server · retrying", state.retryAt ?? now, now), tone: 'muted' };
    case 'error':
      return { text: 'Disconnected', tone: 'bad' };
    default:
      return assertNever(state);
  }
}

function countdown(prefix: string, retryAt: number, now: number): string {
  const seconds = Math.ceil((retryAt - now) / 1000);
  return seconds > 0 ? `${prefix} in ${seconds} s` : `${prefix}…`;
}

export function saveText(snapshot: SessionSnapshot): string {
  const { pendingChanges, connection, storedLocally } = snapshot;
  // The server confirmed our queue, but dropped what our role no longer allows: that is not saved.
  if (snapshot.access?.changeDropped) return 'Last changes not saved';
  // Checked before the pending count: a refused change must never read as saved, whatever was confirmed.
  if (connection.kind === 'error') {
    switch (connection.cause) {
      case 'changeRefused':
        return 'Last change not saved';
      case 'quotaExceeded':
        return 'Not saved — document full';
      case 'accessRevoked':
      case 'notFound':
        if (pendingChanges > 0) return 'Not saved — no access';
        break;
      case 'signedOut':
      case 'sessionRefused':
        break;
      default:
        return assertNever(connection.cause);
    }
  }
  // Until this device's copy has loaded, its unsynced edits (a refused change among them) are not counted yet.
  if (pendingChanges === 0 && !storedLocally && connection.kind === 'connecting') return 'Opening…';
  if (pendingChanges === 0) return 'All changes saved';
  if (connection.kind === 'connected') {
    return `Saving ${pendingChanges} ${pendingChanges === 1 ? 'change' : 'changes'}…`;
  }
  if (connection.kind === 'connecting') return `Syncing ${pendingChanges} ${pendingChanges === 1 ? 'change' : 'changes'}…`;
  return storedLocally ? 'Offline — changes saved on this device' : 'Not saved yet';
}
