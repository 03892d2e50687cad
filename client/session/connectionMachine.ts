/**
 * The one state machine behind "Connected / Reconnecting in 3 s / Offline / …". Every provider and
 * browser event becomes a ConnectionEvent; the UI renders only the resulting ConnectionState, so no
 * combination of loose booleans can disagree with itself.
 *
 *   connecting ──open+synced──▶ connected ──close──▶ reconnecting ──(4 failed tries)──▶ offline(unreachable)
 *        ▲                          │                    │                                 │
 *        └──────────── browserOnline / retry ◀───────────┴─────────────────────────────────┘
 *   any ──browserOffline──▶ offline(browser)        any ──stop──▶ error (terminal)
 */
import { assertNever } from '../../shared/protocol/messages.js';
import type { StopCause } from './closeMessages.js';

export type ConnectionState =
  /** Fetching a token, opening the socket or waiting for the first sync. */
  | { kind: 'connecting'; phase: 'authenticating' | 'opening' | 'syncing' }
  | { kind: 'connected' }
  /** The socket closed; the provider retries at `retryAt` (ms since epoch). */
  | { kind: 'reconnecting'; failures: number; retryAt: number }
  /** The browser says it is offline, or the server has been unreachable for several tries. */
  | { kind: 'offline'; reason: 'browser' | 'unreachable'; failures: number; retryAt: number | null }
  /** The server refused us for good (4400–4499 other than 4401); only a new page load retries. `cause` says
   *  whether it refused a change of ours, which is still on this device (the UI then offers copy and discard). */
  | { kind: 'error'; code: number; message: string; cause: StopCause };

export type ConnectionKind = ConnectionState['kind'];

export type ConnectionEvent =
  | { type: 'authenticating' }
  | { type: 'socketConnecting' }
  | { type: 'socketOpen' }
  | { type: 'synced' }
  /** The socket closed and the provider will retry after `retryInMs`. */
  | { type: 'socketClosed'; retryInMs: number }
  | { type: 'browserOffline' }
  | { type: 'browserOnline' }
  | { type: 'stopped'; code: number; message: string; cause: StopCause };

/** Failed attempts in a row (≈1.5 s: the provider waits 200, 400, 800 ms between them) after which "reconnecting" is
 *  honestly "can't reach the server": a blip recovers sooner, a restart or outage takes longer. */
const FAILURES_BEFORE_OFFLINE = 4;

export const initialConnectionState: ConnectionState = { kind: 'connecting', phase: 'authenticating' };

export function nextConnectionState(state: ConnectionState, event: ConnectionEvent, now: number): ConnectionState {
  // A terminal refusal stays until the page is reloaded; late socket events must not hide it.
  if (state.kind === 'error') return state;
  switch (event.type) {
    case 'authenticating':
      return state.kind === 'offline' && state.reason === 'browser' ? state : { kind: 'connecting', phase: 'authenticating' };
    case 'socketConnecting':
      // Keep showing the countdown state while a retry is in flight, so the label does not flicker.
      if (state.kind === 'reconnecting' || state.kind === 'offline') return state;
      return { kind: 'connecting', phase: 'opening' };
    case 'socketOpen':
      return { kind: 'connecting', phase: 'syncing' };
    case 'synced':
      return { kind: 'connected' };
    case 'socketClosed': {
      if (state.kind === 'offline' && state.reason === 'browser') return state;
      const failures = state.kind === 'reconnecting' || state.kind === 'offline' ? state.failures + 1 : 1;
      const retryAt = now + event.retryInMs;
      return failures >= FAILURES_BEFORE_OFFLINE
        ? { kind: 'offline', reason: 'unreachable', failures, retryAt }
        : { kind: 'reconnecting', failures, retryAt };
    }
    case 'browserOffline':
      return { kind: 'offline', reason: 'browser', failures: 0, retryAt: null };
    case 'browserOnline':
      return state.kind === 'offline' ? { kind: 'connecting', phase: 'opening' } : state;
    case 'stopped':
      return { kind: 'error', code: event.code, message: event.message, cause: event.cause };
    default:
      return assertNever(event);
  }
}
