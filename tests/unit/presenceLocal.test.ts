// @vitest-environment happy-dom
/**
 * The local presence publisher against a real y-protocols Awareness: what it writes, that it restores its
 * fields after others overwrite them, and that it stays quiet (every write is an awareness message, and
 * the server allows 30 per second).
 */
import { applyAwarenessUpdate, Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LocalPresence } from '../../client/presence/localPresence.js';
import { parsePresenceState } from '../../shared/presence/schema.js';
import { IDLE_AFTER_MS, TYPING_QUIET_MS } from '../../shared/presence/status.js';

describe('LocalPresence', () => {
  let awareness: Awareness;
  let writes: number;
  let local: LocalPresence;

  beforeEach(() => {
    vi.useFakeTimers();
    awareness = new Awareness(new Y.Doc());
    writes = 0;
    awareness.on('update', ({ updated }: { updated: number[] }) => {
      if (updated.includes(awareness.clientID)) writes++;
    });
    local = new LocalPresence(awareness, { name: 'Ada', color: '#3e63dd' });
  });

  afterEach(() => {
    local.stop();
    awareness.destroy();
    vi.useRealTimers();
  });

  it('publishes a valid presence state that keeps other fields', () => {
    awareness.setLocalStateField('cursor', null);
    awareness.setLocalStateField('lockRequests', ['s1']);
    local.start();
    local.setUserId('u-ada');
    local.setSection('s1');
    const state = parsePresenceState(awareness.getLocalState());
    expect(state).toMatchObject({
      v: 1,
      user: { id: 'u-ada', name: 'Ada', color: '#3e63dd' },
      status: 'active',
      sectionId: 's1',
      typing: false,
      lockRequests: ['s1'],
    });
  });

  it('puts its user id back after the caret extension replaces `user`', async () => {
    local.start();
    local.setUserId('u-ada');
    awareness.setLocalStateField('user', { name: 'Ada', color: '#3e63dd' });
    await Promise.resolve();
    expect((awareness.getLocalState()?.user as { id?: string }).id).toBe('u-ada');
  });

  it('writes only on change: a burst of edits flips typing once on and once off', () => {
    local.start();
    local.setUserId('u-ada');
    const before = writes;
    for (let i = 0; i < 50; i++) {
      local.noteEdit();
      local.setSection('s1');
      vi.advanceTimersByTime(100);
    }
    expect(writes - before).toBe(2); // typing on, section s1
    vi.advanceTimersByTime(TYPING_QUIET_MS);
    expect(awareness.getLocalState()?.typing).toBe(false);
    expect(writes - before).toBe(3);
  });

  it('publishes idle after a minute without input and away while hidden', () => {
    local.start();
    local.setUserId('u-ada');
    vi.advanceTimersByTime(IDLE_AFTER_MS);
    expect(awareness.getLocalState()?.status).toBe('idle');
    window.dispatchEvent(new Event('keydown'));
    expect(awareness.getLocalState()?.status).toBe('active');
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    document.dispatchEvent(new Event('visibilitychange'));
    expect(awareness.getLocalState()?.status).toBe('away');
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' });
    document.dispatchEvent(new Event('visibilitychange'));
    expect(awareness.getLocalState()?.status).toBe('active');
  });

  it('renews its state on incoming traffic when its own timer has not (throttled background tab)', () => {
    local.start();
    local.setUserId('u-ada');
    const meta = awareness.meta.get(awareness.clientID);
    if (!meta) throw new Error('no meta for the local state');
    const stale = meta.lastUpdated - 20_000;
    meta.lastUpdated = stale;
    const before = writes;
    // Someone else's state arrives (here: a peer's update applied to our awareness).
    const peer = new Awareness(new Y.Doc());
    peer.setLocalState({ user: { name: 'Bob' } });
    applyAwarenessUpdate(awareness, encodeAwarenessUpdate(peer, [peer.clientID]), 'remote');
    peer.destroy();
    expect(writes - before).toBe(1);
    expect(awareness.meta.get(awareness.clientID)?.lastUpdated).toBeGreaterThan(stale);
  });

  it('never brings back a state the provider removed (tab closing)', () => {
    local.start();
    local.setUserId('u-ada');
    awareness.setLocalState(null);
    local.setSection('s2');
    local.noteEdit();
    expect(awareness.getLocalState()).toBeNull();
  });
});
