/** The client's connection state machine and durability bookkeeping: pure, so tested without a browser. */
import { describe, expect, it } from 'vitest';
import { type ConnectionEvent, type ConnectionState, initialConnectionState, nextConnectionState } from '../../client/session/connectionMachine.js';
import { FlushTracker } from '../../client/session/flushTracker.js';

function run(events: ConnectionEvent[], now = 1_000): ConnectionState {
  return events.reduce((state, event) => nextConnectionState(state, event, now), initialConnectionState);
}

describe('connection state machine', () => {
  it('goes connecting → syncing → connected', () => {
    expect(run([{ type: 'socketConnecting' }, { type: 'socketOpen' }])).toEqual({ kind: 'connecting', phase: 'syncing' });
    expect(run([{ type: 'socketConnecting' }, { type: 'socketOpen' }, { type: 'synced' }])).toEqual({ kind: 'connected' });
  });

  it('counts failed reconnects and says "offline, unreachable" after several, with the retry time', () => {
    const closed: ConnectionEvent = { type: 'socketClosed', retryInMs: 400 };
    expect(run([{ type: 'synced' }, closed])).toEqual({ kind: 'reconnecting', failures: 1, retryAt: 1_400 });
    const state = run([{ type: 'synced' }, closed, { type: 'socketConnecting' }, closed, closed, closed]);
    expect(state).toMatchObject({ kind: 'offline', reason: 'unreachable', failures: 4 });
    expect(nextConnectionState(state, { type: 'synced' }, 2_000)).toEqual({ kind: 'connected' });
  });

  it('stays offline while the browser is offline, whatever the socket does', () => {
    const offline = run([{ type: 'synced' }, { type: 'browserOffline' }]);
    expect(nextConnectionState(offline, { type: 'socketClosed', retryInMs: 100 }, 0)).toBe(offline);
    expect(nextConnectionState(offline, { type: 'authenticating' }, 0)).toBe(offline);
    expect(nextConnectionState(offline, { type: 'browserOnline' }, 0)).toEqual({ kind: 'connecting', phase: 'opening' });
  });

  it('keeps a terminal refusal until reload', () => {
    const stopped = run([{ type: 'synced' }, { type: 'stopped', code: 4403, message: 'no access', cause: 'sessionRefused' }]);
    for (const event of [{ type: 'synced' }, { type: 'socketOpen' }, { type: 'browserOnline' }] as ConnectionEvent[]) {
      expect(nextConnectionState(stopped, event, 0)).toBe(stopped);
    }
  });

  it('carries whether the stop refused a change of ours, so the UI can offer copy and discard', () => {
    const refused = run([{ type: 'synced' }, { type: 'stopped', code: 4400, message: 'refused', cause: 'changeRefused' }]);
    expect(refused).toEqual({ kind: 'error', code: 4400, message: 'refused', cause: 'changeRefused' });
    expect(nextConnectionState(refused, { type: 'socketClosed', retryInMs: 100 }, 0)).toBe(refused);
  });
});

describe('FlushTracker', () => {
  it('reports pending local updates until the server confirms them', () => {
    const tracker = new FlushTracker();
    tracker.recordLocalUpdate();
    tracker.recordLocalUpdate();
    expect(tracker.pending).toBe(2);
    expect(tracker.nextRequest()).toBe(2);
    expect(tracker.nextRequest()).toBeNull();
    tracker.recordLocalUpdate();
    expect(tracker.confirm(2)).toBe(true);
    expect(tracker.pending).toBe(1);
    expect(tracker.nextRequest()).toBe(3);
  });

  it('ignores stale and inflated confirmations', () => {
    const tracker = new FlushTracker();
    tracker.recordLocalUpdate();
    expect(tracker.confirm(99)).toBe(true);
    expect(tracker.pending).toBe(0);
    tracker.recordLocalUpdate();
    expect(tracker.confirm(1)).toBe(false);
    expect(tracker.pending).toBe(1);
  });

  it('asks again on a new connection, since requests on a lost one go unanswered', () => {
    const tracker = new FlushTracker();
    tracker.recordLocalUpdate();
    expect(tracker.nextRequest()).toBe(1);
    tracker.connectionLost();
    expect(tracker.nextRequest()).toBe(1);
  });
});
