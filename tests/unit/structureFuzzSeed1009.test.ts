/**
 * Structure fuzzer, seed 1009 step 331 (long soak, once in ~10,000 steps): "honest error: console.error:
 * TypeError: Cannot read properties of null (reading 'forEach') at typeListInsertGenericsAfter …
 * YXmlElement.insert … YXmlElement._integrate".
 *
 * No honest editor logged it. The hostile client builds each update by editing a clone of its shadow
 * document — a plain Y.Doc in the fuzzer's own process — and that step's plan was "element in text; copy
 * <paragraph> into fragment": `text.insertEmbed(0, new Y.XmlElement('paragraph'))`, then
 * `fragment.insert(i, [paragraph.clone()])` of the paragraph holding that text, in one transaction.
 * `Y.XmlText.clone()` is `applyDelta(this.toDelta())`, and the delta carries the embedded element itself,
 * not a copy; when the cloned text integrates, it inserts that already integrated element a second time,
 * whose `_prelimContent` is null by then, and `YText._integrate` logs the TypeError with `console.error(e)`
 * (no "Caught error while handling a Yjs update" prefix, which is how y-protocols logs a failed received
 * update). The fuzzer counted every console.error in the process as an honest one.
 *
 * The shape it needs — a Y type embedded in a text — is one no Tandem editor writes (y-tiptap stores inline
 * nodes as elements beside the texts) and one the server refuses: the update of that step was refused with
 * "element paragraph inside text". So it is neither a server gap nor an editor bug; the fuzzer now
 * attributes console.error calls made while the hostile client builds its update to the generator
 * (`generatorErrors`, logged, not failures) and names the replica and action of every honest error.
 */
import '../helpers/convergenceDom.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { checkUpdate, type UpdateVerdict } from '../../server/integrity/updateCheck.js';
import { DOCUMENT_FRAGMENT } from '../../shared/editor/extensions.js';
import { pressKey, typeText } from '../helpers/convergenceActions.js';
import { EditorReplica } from '../helpers/convergenceReplica.js';
import { createPrng } from '../helpers/prng.js';
import { encodeRawUpdate } from '../helpers/structureFuzzer.js';
import { yParagraph } from '../helpers/yBlocks.js';

const judge = (doc: Y.Doc, update: Uint8Array): UpdateVerdict => checkUpdate(update, { doc, foreignClient: () => null });

/** Runs `change` in one transaction on `doc` and returns the update it produced (follow-ups merged). */
function edit(doc: Y.Doc, change: () => void): Uint8Array {
  const captured: Uint8Array[] = [];
  const capture = (update: Uint8Array): void => void captured.push(update);
  doc.on('update', capture);
  try {
    doc.transact(change);
  } finally {
    doc.off('update', capture);
  }
  return Y.mergeUpdates(captured);
}

/** The hostile client's clone: the shadow's state in a new doc that writes under its own clientID. */
function cloneOf(shadow: Y.Doc, clientID: number): Y.Doc {
  const clone = new Y.Doc();
  Y.applyUpdate(clone, Y.encodeStateAsUpdate(shadow));
  clone.clientID = clientID;
  return clone;
}

const replicas: EditorReplica[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const replica of replicas.splice(0)) replica.dispose();
});

describe('structure fuzzer seed 1009: the TypeError came from the hostile client building its update', () => {
  it('"element in text; copy <paragraph>" in one clone transaction makes Yjs log exactly that error', () => {
    const shadow = new Y.Doc();
    shadow.getXmlFragment(DOCUMENT_FRAGMENT).insert(0, [yParagraph('Hello')]);
    const clone = cloneOf(shadow, 505030300);
    const fragment = clone.getXmlFragment(DOCUMENT_FRAGMENT);
    const paragraph = fragment.get(0) as Y.XmlElement;
    const text = paragraph.get(0) as Y.XmlText;
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);

    const embedded = new Y.XmlElement('paragraph');
    const update = edit(clone, () => {
      // shapeOp 'oddContent' "element in text" …
      text.insertEmbed(0, embedded as never);
      // … the delta a clone is made from holds that very element, already integrated …
      expect((text.toDelta() as Array<{ insert: unknown }>)[0]?.insert).toBe(embedded);
      // … and shapeOp 'copyBlock' "copy <paragraph> into fragment".
      fragment.insert(fragment.length, [paragraph.clone()]);
    });

    expect(logged).toHaveBeenCalledTimes(1);
    const [error] = logged.mock.calls[0] as [unknown];
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe("Cannot read properties of null (reading 'forEach')");
    const stack = (error as Error).stack ?? '';
    expect(stack).toMatch(/at typeListInsertGenericsAfter[\s\S]*at YXmlElement\.insert[\s\S]*at YXmlElement\._integrate/);
    // The update is what the log shows the server refusing: nothing of it reaches an honest replica.
    expect(judge(shadow, update)).toEqual({ ok: false, refusal: { kind: 'schema', detail: 'element paragraph inside text' } });
  });

  it('honest editing cannot get there: editors write inline nodes beside texts, and an embedded type is refused', () => {
    const replica = EditorReplica.openInMemory({ name: 'h', clientID: 11, ids: createPrng(1) });
    replicas.push(replica);
    replica.editor.commands.insertContent([
      { type: 'paragraph', content: [{ type: 'text', text: 'a' }, { type: 'hardBreak' }, { type: 'text', text: 'b', marks: [{ type: 'bold' }] }] },
      { type: 'bulletList', content: [{ type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'item' }] }] }] },
      { type: 'codeBlock', content: [{ type: 'text', text: 'x = 1' }] },
    ]);
    const typesInTexts: string[] = [];
    for (const structs of replica.doc.store.clients.values()) {
      for (const struct of structs) {
        if (struct instanceof Y.Item && struct.parent instanceof Y.XmlText && struct.content instanceof Y.ContentType) typesInTexts.push(struct.content.type.constructor.name);
      }
    }
    expect(JSON.stringify(replica.editor.getJSON())).toContain('hardBreak');
    expect(typesInTexts).toEqual([]);

    const shadow = new Y.Doc();
    Y.applyUpdate(shadow, Y.encodeStateAsUpdate(replica.doc));
    const clone = cloneOf(shadow, 505030301);
    const text = (clone.getXmlFragment(DOCUMENT_FRAGMENT).get(0) as Y.XmlElement).get(0) as Y.XmlText;
    expect(judge(shadow, edit(clone, () => text.insertEmbed(0, new Y.XmlElement('paragraph') as never)))).toMatchObject({ ok: false, refusal: { kind: 'schema' } });
  });

  it('the shape accepted at step 328 (raw parentIdText) and the honest actions of steps 329 to 331 log nothing', () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const RELAY = Symbol('relay');
    const [h1, h2] = [1, 2].map((i) => EditorReplica.openInMemory({ name: `h${i}`, clientID: 100 + i, ids: createPrng(i) })) as [EditorReplica, EditorReplica];
    replicas.push(h1, h2);
    for (const [from, to] of [[h1, h2], [h2, h1]] as const) {
      from.doc.on('update', (update: Uint8Array, origin: unknown) => {
        if (origin !== RELAY) Y.applyUpdate(to.doc, update, RELAY);
      });
    }
    // The fuzzer's initial content.
    h1.editor.commands.insertContent([
      { type: 'heading', attrs: { level: 2 }, content: [{ type: 'text', text: 'Title' }] },
      { type: 'paragraph', content: [{ type: 'text', text: 'Hello ' }, { type: 'text', text: 'world', marks: [{ type: 'bold' }] }] },
      { type: 'bulletList', content: [{ type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'item' }] }] }] },
    ]);
    // "raw parentIdText": a string whose parent is a text's item id, with no origins, in every text.
    const texts: Y.ID[] = [];
    for (const structs of h1.doc.store.clients.values()) {
      for (const struct of structs) if (struct instanceof Y.Item && !struct.deleted && struct.content instanceof Y.ContentType && struct.content.type instanceof Y.XmlText) texts.push(struct.id);
    }
    expect(texts.length).toBe(3);
    const hostile = 97428882;
    for (const [i, id] of texts.entries()) {
      const update = encodeRawUpdate([{ client: hostile, clock: i, structs: [{ kind: 'item', parent: { id }, content: { kind: 'string', text: 'zq' } }] }]);
      expect(judge(h1.doc, update)).toMatchObject({ ok: true });
      Y.applyUpdate(h1.doc, update, RELAY);
      Y.applyUpdate(h2.doc, update, RELAY);
    }
    // h1 type "x ", indent (in a second list item, where Tab sinks it), block paragraph; h2 paste, type.
    const { editor: e1 } = h1;
    e1.commands.setTextSelection(findText(h1, 'item') + 'item'.length);
    pressKey(e1, 'Enter');
    typeText(e1, 'x ');
    pressKey(e1, 'Tab');
    expect(JSON.stringify(e1.getJSON())).toMatch(/"listItem".*"bulletList".*"listItem".*"x "/);
    e1.commands.setParagraph();
    h2.editor.commands.setTextSelection(findText(h2, 'Hello'));
    h2.editor.commands.insertContent([{ type: 'paragraph', content: [{ type: 'text', text: 'pasted' }] }]);
    typeText(h2.editor, 'the tandem merge');

    expect(logged).not.toHaveBeenCalled();
    expect(h2.doc.getXmlFragment(DOCUMENT_FRAGMENT).toJSON()).toBe(h1.doc.getXmlFragment(DOCUMENT_FRAGMENT).toJSON());
    expect(h2.editor.getJSON()).toEqual(h1.editor.getJSON());
    expect(h1.editor.state.doc.textContent).toContain('zq');
  });
});

/** The ProseMirror position of the first occurrence of `needle` in the replica's editor. */
function findText(replica: EditorReplica, needle: string): number {
  let found = -1;
  replica.editor.state.doc.descendants((node, pos) => {
    if (found >= 0) return false;
    const at = node.isText ? (node.text ?? '').indexOf(needle) : -1;
    if (at >= 0) found = pos + at;
    return true;
  });
  if (found < 0) throw new Error(`no "${needle}" in ${replica.name}`);
  return found;
}
