/** The server's judgement of an update before it touches the document (server/integrity/updateCheck.ts). */
import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { checkUpdate, type UpdateVerdict } from '../../server/integrity/updateCheck.js';
import { MAX_NESTING_DEPTH } from '../../shared/editor/schemaRules.js';
import { yHeading, yParagraph } from '../helpers/yBlocks.js';

/** A server document and a client replica in sync with it; `edit` returns the update the edit produced. */
function setup(): { server: Y.Doc; client: Y.Doc; edit(change: (fragment: Y.XmlFragment) => void, on?: Y.Doc): Uint8Array } {
  const server = new Y.Doc();
  server.getXmlFragment('default');
  const client = new Y.Doc();
  return {
    server,
    client,
    edit(change, on = client) {
      let captured: Uint8Array | null = null;
      const capture = (update: Uint8Array): void => {
        captured = captured ? Y.mergeUpdates([captured, update]) : update;
      };
      on.on('update', capture);
      on.transact(() => change(on.getXmlFragment('default')));
      on.off('update', capture);
      if (!captured) throw new Error('the edit changed nothing');
      return captured;
    },
  };
}

const judge = (server: Y.Doc, update: Uint8Array, foreign: number | null = null): UpdateVerdict =>
  checkUpdate(update, { doc: server, foreignClient: (clients) => (foreign !== null && clients.includes(foreign) ? foreign : null) });

/** Judges and, when accepted, applies (as the room would). */
function accept(server: Y.Doc, update: Uint8Array): void {
  const verdict = judge(server, update);
  expect(verdict).toMatchObject({ ok: true });
  Y.applyUpdate(server, update);
}

function refusalOf(verdict: UpdateVerdict): string {
  return verdict.ok ? 'accepted' : verdict.refusal.kind;
}

describe('honest edits are accepted', () => {
  it('blocks, typing, marks, attributes, nesting and deletions', () => {
    const { server, client, edit } = setup();
    accept(server, edit((f) => f.insert(0, [yHeading('intro', 'Title'), yParagraph('Hello')])));
    accept(server, edit((f) => ((f.get(1) as Y.XmlElement).get(0) as Y.XmlText).insert(5, ' world', { bold: {} })));
    accept(server, edit((f) => ((f.get(1) as Y.XmlElement).get(0) as Y.XmlText).format(0, 5, { link: { href: 'https://example.com', target: '_blank' } })));
    accept(server, edit((f) => (f.get(0) as Y.XmlElement).setAttribute('level', 2 as unknown as string)));
    const list = new Y.XmlElement('bulletList');
    const item = new Y.XmlElement('listItem');
    item.insert(0, [yParagraph('one')]);
    list.insert(0, [item]);
    accept(server, edit((f) => f.insert(2, [list])));
    const code = new Y.XmlElement('codeBlock');
    code.setAttribute('language', 'ts');
    code.insert(0, [new Y.XmlText('let x = 1')]);
    accept(server, edit((f) => f.insert(3, [code])));
    const withBreak = new Y.XmlElement('paragraph');
    withBreak.insert(0, [new Y.XmlText('a'), new Y.XmlElement('hardBreak'), new Y.XmlText('b')]);
    accept(server, edit((f) => f.insert(4, [withBreak])));
    accept(server, edit((f) => f.delete(0, 2)));
    expect(server.getXmlFragment('default').toString()).toBe(client.getXmlFragment('default').toString());
  });

  it('a whole offline history sent at once, and an update the server already has', () => {
    const { server, client, edit } = setup();
    for (let i = 0; i < 50; i++) edit((f) => f.insert(f.length, [yParagraph(`p${i}`)]));
    for (let i = 0; i < 50; i += 3) edit((f) => ((f.get(i) as Y.XmlElement).get(0) as Y.XmlText).insert(1, 'x'));
    const everything = Y.encodeStateAsUpdate(client);
    accept(server, everything);
    accept(server, everything);
    expect(server.getXmlFragment('default').toString()).toBe(client.getXmlFragment('default').toString());
  });

  it("concurrent replicas' updates, in either order of arrival", () => {
    const { server, client, edit } = setup();
    accept(server, edit((f) => f.insert(0, [yParagraph('shared')])));
    const other = new Y.Doc();
    Y.applyUpdate(other, Y.encodeStateAsUpdate(client));
    const mine = edit((f) => ((f.get(0) as Y.XmlElement).get(0) as Y.XmlText).insert(0, 'A '));
    const theirs = edit((f) => f.insert(1, [yParagraph('B')]), other);
    accept(server, theirs);
    accept(server, mine);
  });

  it('a change inside a block another replica deleted concurrently (Yjs collects it as garbage)', () => {
    const { server, client, edit } = setup();
    const quote = new Y.XmlElement('blockquote');
    quote.insert(0, [yParagraph('quoted')]);
    accept(server, edit((f) => f.insert(0, [quote, yParagraph('after')])));
    const other = new Y.Doc();
    Y.applyUpdate(other, Y.encodeStateAsUpdate(client));
    accept(server, edit((f) => f.delete(0, 1), other));
    // The client, not yet aware of the deletion, adds a paragraph with text inside the quote.
    accept(server, edit((f) => (f.get(0) as Y.XmlElement).insert(1, [yParagraph('late')])));
  });
});

describe('shapes the editor cannot show are refused', () => {
  const cases: Array<[string, (f: Y.XmlFragment) => void]> = [
    ['a text straight under the fragment', (f) => f.insert(0, [new Y.XmlText('stray')])],
    ['an unknown element', (f) => f.insert(0, [new Y.XmlElement('script')])],
    ['an inline element at the top level', (f) => f.insert(0, [new Y.XmlElement('hardBreak')])],
    ['a paragraph inside a paragraph', (f) => {
      const outer = new Y.XmlElement('paragraph');
      outer.insert(0, [yParagraph('inner')]);
      f.insert(0, [outer]);
    }],
    ['text inside a list', (f) => {
      const list = new Y.XmlElement('bulletList');
      list.insert(0, [new Y.XmlText('loose')]);
      f.insert(0, [list]);
    }],
    ['an unknown mark', (f) => {
      const paragraph = new Y.XmlElement('paragraph');
      const text = new Y.XmlText();
      paragraph.insert(0, [text]);
      f.insert(0, [paragraph]);
      text.insert(0, 'x', { blink: {} });
    }],
    ['bold inside a code block', (f) => {
      const code = new Y.XmlElement('codeBlock');
      const text = new Y.XmlText();
      code.insert(0, [text]);
      f.insert(0, [code]);
      text.insert(0, 'x', { bold: {} });
    }],
    ['an unknown attribute', (f) => {
      const paragraph = yParagraph('x');
      paragraph.setAttribute('onclick', 'alert(1)');
      f.insert(0, [paragraph]);
    }],
    ['a 40 KB sectionId', (f) => f.insert(0, [yHeading('s'.repeat(40_000), 'Big')])],
    ['a sectionId with markup', (f) => f.insert(0, [yHeading('<b>', 'Odd')])],
    ['an oversized link address', (f) => {
      const paragraph = new Y.XmlElement('paragraph');
      const text = new Y.XmlText();
      paragraph.insert(0, [text]);
      f.insert(0, [paragraph]);
      text.insert(0, 'x', { link: { href: 'h'.repeat(10_000) } });
    }],
    ['a link whose address is not a string (Link renders it with href.replace)', (f) => {
      const paragraph = new Y.XmlElement('paragraph');
      const text = new Y.XmlText();
      paragraph.insert(0, [text]);
      f.insert(0, [paragraph]);
      text.insert(0, 'x', { link: { href: 42 } });
    }],
    ['a null where the schema default is not (task item checked)', (f) => {
      const list = new Y.XmlElement('taskList');
      const item = new Y.XmlElement('taskItem');
      item.setAttribute('checked', null as unknown as string);
      item.insert(0, [yParagraph('todo')]);
      list.insert(0, [item]);
      f.insert(0, [list]);
    }],
    ['a map nested in an element', (f) => {
      const paragraph = new Y.XmlElement('paragraph');
      paragraph.insert(0, [new Y.XmlElement('paragraph')]);
      f.insert(0, [paragraph]);
    }],
  ];
  for (const [label, change] of cases) {
    it(label, () => {
      const { server, edit } = setup();
      const before = Y.encodeStateAsUpdate(server);
      expect(refusalOf(judge(server, edit(change)))).toBe('schema');
      expect(Y.encodeStateAsUpdate(server)).toEqual(before);
    });
  }

  it('nesting deeper than the bound, built over several updates', () => {
    const { server, edit } = setup();
    let innermost: Y.XmlElement | null = null;
    const nest = (levels: number) => (f: Y.XmlFragment) => {
      for (let i = 0; i < levels; i++) {
        const quote = new Y.XmlElement('blockquote');
        if (innermost) innermost.insert(0, [quote]);
        else f.insert(0, [quote]);
        innermost = quote;
      }
    };
    // Each level holds only a blockquote until the last, which a paragraph completes.
    accept(server, edit(nest(MAX_NESTING_DEPTH - 1)));
    expect(refusalOf(judge(server, edit(nest(2))))).toBe('schema');
  });

  it('3,000 nested blockquotes in one update', () => {
    const { server, edit } = setup();
    const update = edit((f) => {
      let parent: Y.XmlFragment = f;
      for (let i = 0; i < 3000; i++) {
        const quote = new Y.XmlElement('blockquote');
        parent.insert(0, [quote]);
        parent = quote;
      }
    });
    expect(refusalOf(judge(server, update))).toBe('schema');
  });

  it('any other root type', () => {
    const writes: Array<(doc: Y.Doc) => void> = [(doc) => doc.getText('t').insert(0, 'side channel'), (doc) => doc.getMap('m').set('k', 'v')];
    for (const write of writes) {
      const { server } = setup();
      const client = new Y.Doc();
      write(client);
      expect(refusalOf(judge(server, Y.encodeStateAsUpdate(client)))).toBe('schema');
    }
  });
});

describe('updates that cannot be fully integrated are refused, so nothing is ever pending', () => {
  it('a gap in a client’s clocks', () => {
    const { server, edit } = setup();
    edit((f) => f.insert(0, [yParagraph('first')]));
    const second = edit((f) => f.insert(1, [yParagraph('second')]));
    expect(refusalOf(judge(server, second))).toBe('incomplete');
  });

  it('an origin the server does not have', () => {
    const { server, client, edit } = setup();
    edit((f) => f.insert(0, [yParagraph('unsent')]));
    const other = new Y.Doc();
    Y.applyUpdate(other, Y.encodeStateAsUpdate(client));
    const dependent = edit((f) => ((f.get(0) as Y.XmlElement).get(0) as Y.XmlText).insert(6, '!'), other);
    expect(refusalOf(judge(server, dependent))).toBe('incomplete');
  });

  it('a delete range on clocks nobody wrote', () => {
    const { server, client, edit } = setup();
    accept(server, edit((f) => f.insert(0, [yParagraph('abc')])));
    // Deleting clocks beyond anything the client wrote: the range would wait and erase its next text.
    const fabricated = fabricateDeleteRange(client.clientID, 1000, 50);
    expect(refusalOf(judge(server, fabricated))).toBe('incomplete');
  });

  it('the server’s own pending detector agrees: an accepted update leaves nothing pending', () => {
    const { server, edit } = setup();
    accept(server, edit((f) => f.insert(0, [yParagraph('x')])));
    expect(server.store.pendingStructs).toBeNull();
    expect(server.store.pendingDs).toBeNull();
  });
});

describe('identity', () => {
  it('new structs under a clientID bound to someone else are refused; known ones are not re-judged', () => {
    const { server, client, edit } = setup();
    const update = edit((f) => f.insert(0, [yParagraph('mine')]));
    expect(judge(server, update, client.clientID)).toEqual({ ok: false, refusal: { kind: 'foreignClient', clientId: client.clientID } });
    accept(server, update);
    // Re-sending what the server has writes nothing new: no identity is at stake.
    expect(judge(server, update, client.clientID)).toEqual({ ok: true, writers: [] });
  });

  it('reports the clients an update writes under, for binding', () => {
    const { server, client, edit } = setup();
    expect(judge(server, edit((f) => f.insert(0, [yParagraph('x')])))).toEqual({ ok: true, writers: [client.clientID] });
  });

  it('malformed bytes', () => {
    const { server } = setup();
    expect(refusalOf(judge(server, Uint8Array.of(1, 2, 3, 250, 250)))).toBe('malformed');
  });
});

/** An update with no structs and one delete range (client, clock, len): what a hostile client can send. */
function fabricateDeleteRange(client: number, clock: number, len: number): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 0); // no struct runs
  encoding.writeVarUint(encoder, 1); // delete set: one client
  encoding.writeVarUint(encoder, client);
  encoding.writeVarUint(encoder, 1); // one range
  encoding.writeVarUint(encoder, clock);
  encoding.writeVarUint(encoder, len);
  return encoding.toUint8Array(encoder);
}

describe('item order', () => {
  /** One string item of `client` at clock 0 between `origin` and `rightOrigin` (Yjs v1 update encoding). */
  function itemBetween(client: number, origin: Y.ID, rightOrigin: Y.ID, text: string): Uint8Array {
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, 1); // one client
    encoding.writeVarUint(encoder, 1); // one struct
    encoding.writeVarUint(encoder, client);
    encoding.writeVarUint(encoder, 0);
    encoding.writeUint8(encoder, 0x80 | 0x40 | 4); // has origin, has right origin, ContentString
    encoding.writeVarUint(encoder, origin.client);
    encoding.writeVarUint(encoder, origin.clock);
    encoding.writeVarUint(encoder, rightOrigin.client);
    encoding.writeVarUint(encoder, rightOrigin.clock);
    encoding.writeVarString(encoder, text);
    encoding.writeVarUint(encoder, 0); // empty delete set
    return encoding.toUint8Array(encoder);
  }

  function serverWithText(): { server: Y.Doc; text: Y.XmlText } {
    const { server, client, edit } = setup();
    accept(server, edit((fragment) => fragment.insert(0, [yParagraph('ab')])));
    const text = (server.getXmlFragment('default').get(0) as Y.XmlElement).get(0) as Y.XmlText;
    void client;
    return { server, text };
  }

  it('refuses an item whose right origin lies left of its origin (seed 1087), and leaves the document as it was', () => {
    const { server, text } = serverWithText();
    const a = text._start as Y.Item;
    const b = Y.createID(a.id.client, a.id.clock + 1);
    const crossed = itemBetween(424242, b, a.id, 'X');
    const verdict = judge(server, crossed);
    expect(verdict.ok ? 'accepted' : verdict.refusal).toMatchObject({ kind: 'malformed', detail: 'right origin lies left of the origin' });
    expect(text.toString()).toBe('ab');
  });

  it('accepts the same item with its origins the right way round (typing between a and b)', () => {
    const { server, text } = serverWithText();
    const a = text._start as Y.Item;
    const b = Y.createID(a.id.client, a.id.clock + 1);
    const honest = itemBetween(424242, a.id, b, 'X');
    accept(server, honest);
    expect(text.toString()).toBe('aXb');
  });
});
