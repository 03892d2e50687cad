/**
 * Group commit (server/storage/groupCommit.ts): the appends of one turn share a commit, and appends made
 * while a commit is still being made durable gather into the next one, which starts as soon as it is done.
 */
import { describe, expect, it } from 'vitest';
import { withGroupCommit } from '../../server/storage/groupCommit.js';
import type { NewLogRow } from '../../server/storage/types.js';
import { MemoryStore, waitFor } from '../helpers/roomHarness.js';

const row = (text: string): NewLogRow => ({ update: new TextEncoder().encode(text), userId: null, createdAt: Date.now(), meta: { kind: 'edit', userName: null, userColor: null, inserted: 1, deleted: 0, sections: [] } });
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('group commit', () => {
  it('gathers appends made while a commit is on the disk into one next commit', async () => {
    const store = new MemoryStore();
    const grouped = withGroupCommit(store);
    store.hold();
    const first = [grouped.append('a', [row('a1')]), grouped.append('b', [row('b1')])];
    await waitFor(() => store.heldCount === 1, [[store, 'append']], 'the first commit is held');
    expect(store.appendCalls).toHaveLength(1);

    // Three more turns of appends while the first commit is still being made durable.
    const later = [grouped.append('a', [row('a2')])];
    await turn();
    later.push(grouped.append('c', [row('c1')]));
    await turn();
    later.push(grouped.append('b', [row('b2')]));
    await turn();
    expect(store.appendCalls).toHaveLength(1);

    store.release();
    await Promise.all(first);
    await waitFor(() => store.appendCalls.length === 2, [[store, 'append']], 'the gathered commit starts');
    expect(store.appendCalls[1]?.map((batch) => batch.docName)).toEqual(['a', 'c', 'b']);
    const ranges = await Promise.all(later);
    expect(ranges.map((range) => range.firstSeq)).toEqual([2, 1, 2]);
  });
});
