/**
 * Lock badge words (client/locks/lockLabel.ts) and who counts as present (LockClient.isPresent): a holder
 * who is here is shown with the time they took the lock; one who has gone, with the time left on a lease
 * that is no longer renewed.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { Awareness } from 'y-protocols/awareness';
import { LockClient } from '../../client/locks/lockClient.js';
import { lockLabel } from '../../client/locks/lockLabel.js';
import type { LockEntry } from '../../shared/locks/lockProtocol.js';

const since = new Date(2026, 11, 4, 10, 2).getTime();
const lock: LockEntry = { userId: 'u-ada', name: 'Ada', color: '#e5484d', since, expiresAt: since + 60_000 };

describe('lock badge words', () => {
  it('names the holder and since when while she is here', () => {
    expect(lockLabel({ kind: 'theirs', lock }, true, since + 30_000)).toMatch(/^Locked by Ada · since 10:02/);
    expect(lockLabel({ kind: 'mine', lock }, true, since)).toBe('Locked by you');
  });

  it('says she is away and when the lock ends once she has gone', () => {
    expect(lockLabel({ kind: 'theirs', lock }, false, since + 20_000)).toBe('Ada is away — lock ends in 40 s');
    expect(lockLabel({ kind: 'theirs', lock }, false, since + 59_900)).toBe('Ada is away — lock ends in 5 s');
    expect(lockLabel({ kind: 'theirs', lock: { ...lock, expiresAt: since + 200_000 } }, false, since)).toBe('Ada is away — lock ends in 4 min');
  });
});

describe('LockClient.isPresent', () => {
  it('follows the holders who have an awareness state, and tells its subscribers when one leaves', () => {
    const doc = new Y.Doc();
    const awareness = new Awareness(doc);
    const client = new LockClient(awareness, () => 'u-bob');
    client.start();
    let notified = 0;
    client.subscribe(() => notified++);
    const emit = (added: number[], removed: number[]) => awareness.emit('change', [{ added, updated: [], removed }, 'remote']);
    awareness.states.set(1, { v: 1, locks: { 's-1': lock } }); // the server's entry
    awareness.states.set(2, { user: { id: 'u-ada', name: 'Ada', color: '#e5484d' } });
    emit([1, 2], []);
    expect(client.ownership('s-1').kind).toBe('theirs');
    expect(client.isPresent('u-ada')).toBe(true);
    const before = notified;
    awareness.states.delete(2);
    emit([], [2]);
    expect(client.isPresent('u-ada')).toBe(false);
    expect(notified).toBe(before + 1);
    client.stop();
    awareness.destroy();
    doc.destroy();
  });
});
