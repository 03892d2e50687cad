/** Timeline event metadata: characters inserted/deleted and sections touched, from one transaction. */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { TransactionStatsTracker, type TransactionStats } from '../../server/history/eventStats.js';
import { decodeEventMeta, encodeEventMeta } from '../../server/storage/eventMetaCodec.js';
import { groupSessions } from '../../client/timeline/sessions.js';
import type { TimelineEvent } from '../../shared/timeline/api.js';

function block(type: string, text: string, attrs: Record<string, string> = {}): Y.XmlElement {
  const element = new Y.XmlElement(type);
  for (const [key, value] of Object.entries(attrs)) element.setAttribute(key, value);
  element.insert(0, [new Y.XmlText(text)]);
  return element;
}

function setup(): { doc: Y.Doc; fragment: Y.XmlFragment; run: (change: () => void) => TransactionStats } {
  const doc = new Y.Doc();
  const fragment = doc.getXmlFragment('default');
  const tracker = new TransactionStatsTracker(doc, (origin) => origin === 'load');
  let last: TransactionStats | null = null;
  doc.on('update', (_u: Uint8Array, _o: unknown, _d: Y.Doc, tr: Y.Transaction) => {
    last = tracker.take(tr);
  });
  doc.transact(() => {
    fragment.insert(0, [
      block('paragraph', 'lead text'),
      block('heading', 'Intro', { level: '1', sectionId: 'intro' }),
      block('paragraph', 'hello world'),
      block('heading', 'Budget', { level: '2', sectionId: 'budget' }),
      block('paragraph', 'numbers'),
    ]);
  }, 'load');
  return {
    doc,
    fragment,
    run: (change) => {
      last = null;
      doc.transact(change, 'peer');
      if (!last) throw new Error('no update');
      return last;
    },
  };
}

const textOf = (fragment: Y.XmlFragment, index: number): Y.XmlText => (fragment.get(index) as Y.XmlElement).get(0) as Y.XmlText;

describe('transaction stats', () => {
  it('counts typed characters and finds the section of the block', () => {
    const { fragment, run } = setup();
    expect(run(() => textOf(fragment, 2).insert(5, ', big'))).toEqual({ inserted: 5, deleted: 0, sections: ['intro'] });
    expect(run(() => textOf(fragment, 4).delete(0, 3))).toEqual({ inserted: 0, deleted: 3, sections: ['budget'] });
    expect(run(() => textOf(fragment, 0).insert(0, 'x'))).toEqual({ inserted: 1, deleted: 0, sections: ['leading'] });
  });

  it('attributes a heading edit to its own section and a replace to both counts', () => {
    const { fragment, run } = setup();
    expect(run(() => textOf(fragment, 3).insert(6, '!'))).toEqual({ inserted: 1, deleted: 0, sections: ['budget'] });
    expect(
      run(() => {
        textOf(fragment, 2).delete(0, 5);
        textOf(fragment, 2).insert(0, 'howdy');
      }),
    ).toEqual({ inserted: 5, deleted: 5, sections: ['intro'] });
  });

  it('counts the text of deleted blocks and of new blocks, across sections', () => {
    const { fragment, run } = setup();
    const stats = run(() => {
      fragment.delete(4, 1);
      fragment.insert(1, [block('paragraph', 'abc')]);
    });
    expect(stats.inserted).toBe(3);
    expect(stats.deleted).toBe('numbers'.length);
    expect(stats.sections.sort()).toEqual(['budget', 'leading']);
  });

  it('does not count text inserted and deleted in the same transaction', () => {
    const { fragment, run } = setup();
    expect(
      run(() => {
        textOf(fragment, 2).insert(0, 'tmp');
        textOf(fragment, 2).delete(0, 3);
      }),
    ).toMatchObject({ inserted: 0, deleted: 0 });
  });
});

describe('event metadata codec', () => {
  it('round-trips and reads legacy rows as plain edits', () => {
    const meta = { kind: 'restore' as const, userName: null, userColor: null, inserted: 2, deleted: 1, sections: ['a'], restoredFrom: 7 };
    expect(decodeEventMeta(encodeEventMeta(meta))).toEqual(meta);
    // Names live in the authors table, and defaults are left out.
    expect(encodeEventMeta({ kind: 'edit', userName: 'Ada', userColor: '#e5484d', inserted: 1, deleted: 0, sections: ['s'] })).toBe('{"i":1,"s":["s"]}');
    expect(decodeEventMeta(null)).toMatchObject({ kind: 'edit', inserted: 0, sections: [] });
    expect(decodeEventMeta('not json')).toMatchObject({ kind: 'edit' });
    expect(decodeEventMeta('{"k":"bogus","i":"3"}')).toMatchObject({ kind: 'edit', inserted: 0 });
  });
});

describe('session grouping', () => {
  const event = (seq: number, userId: string, at: number, extra: Partial<TimelineEvent> = {}): TimelineEvent => ({
    seq,
    kind: 'edit',
    userId,
    userName: userId.toUpperCase(),
    userColor: '#000000',
    at,
    inserted: 1,
    deleted: 0,
    sections: ['s'],
    restoredFrom: null,
    ...extra,
  });
  it('groups consecutive events by one user close in time, newest first', () => {
    const min = 60_000;
    const events = [
      event(6, 'a', 40 * min, { kind: 'restore', restoredFrom: 2 }),
      event(5, 'a', 21 * min),
      event(4, 'a', 20 * min, { sections: ['t'], deleted: 2 }),
      event(3, 'b', 19 * min),
      event(2, 'a', 2 * min),
      event(1, 'a', 0),
    ];
    const sessions = groupSessions(events, 5 * min);
    expect(sessions.map((s) => [s.kind, s.userId, s.firstSeq, s.lastSeq])).toEqual([
      ['restore', 'a', 6, 6],
      ['edit', 'a', 4, 5],
      ['edit', 'b', 3, 3],
      ['edit', 'a', 1, 2],
    ]);
    expect(sessions[1]).toMatchObject({ inserted: 2, deleted: 2, sections: ['s', 't'], startedAt: 20 * min, endedAt: 21 * min });
    // A named version at seq 4 splits the session around it.
    expect(groupSessions(events, 5 * min, [4]).map((s) => [s.firstSeq, s.lastSeq])).toEqual([[6, 6], [5, 5], [4, 4], [3, 3], [1, 2]]);
  });
});
