/**
 * Autolink reacts only to this editor's own typing (shared/editor/localAutolink.ts), never to what
 * y-tiptap renders from the Y.Doc: a received update must not make the editor show a link its Y.Doc does
 * not have, and loading a document must not edit it (structure fuzzer seeds 1016, 1039, 1056, 1069).
 */
import '../helpers/convergenceDom.js';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DOCUMENT_FRAGMENT } from '../../shared/editor/extensions.js';
import { EditorReplica } from '../helpers/convergenceReplica.js';
import { createPrng } from '../helpers/prng.js';

const replicas: EditorReplica[] = [];
afterEach(() => {
  for (const replica of replicas.splice(0)) replica.editor.destroy();
});

function replica(name: string, clientID: number, update?: Uint8Array): EditorReplica {
  const options = { name, clientID, ids: createPrng(clientID) };
  const made = update ? EditorReplica.fromUpdate(options, update) : EditorReplica.openInMemory(options);
  made.provider.handshakeCompleted();
  replicas.push(made);
  return made;
}

/** A Y.Doc written without an editor: two paragraphs, the first ending in an unlinked URL. */
function plainUrlDoc(): { doc: Y.Doc; second: Y.XmlText } {
  const doc = new Y.Doc();
  doc.clientID = 9;
  const first = new Y.XmlElement('paragraph');
  const second = new Y.XmlElement('paragraph');
  const firstText = new Y.XmlText();
  const secondText = new Y.XmlText();
  first.insert(0, [firstText]);
  second.insert(0, [secondText]);
  doc.getXmlFragment(DOCUMENT_FRAGMENT).insert(0, [first, second]);
  firstText.insert(0, 'see https://example.org');
  secondText.insert(0, 'next');
  return { doc, second: secondText };
}

const linked = (replica: EditorReplica): boolean => JSON.stringify(replica.editor.getJSON()).includes('"link"');
const linkedInY = (doc: Y.Doc): boolean => doc.getXmlFragment(DOCUMENT_FRAGMENT).toString().includes('<link');

describe('autolink in a collaborative editor', () => {
  it('still links a URL this editor types, and writes the link to Yjs', () => {
    const editor = replica('a', 1);
    editor.editor.commands.insertContent('visit ');
    for (const char of 'https://example.org/x ') editor.editor.commands.insertContent(char);
    expect(linked(editor)).toBe(true);
    expect(linkedInY(editor.doc)).toBe(true);
  });

  it('does not link text a received update brings (the editor would show a link Yjs does not have)', () => {
    const { doc, second } = plainUrlDoc();
    const editor = replica('a', 1);
    Y.applyUpdate(editor.doc, Y.encodeStateAsUpdate(doc));
    second.insert(4, ' more ');
    Y.applyUpdate(editor.doc, Y.encodeStateAsUpdate(doc));
    expect(linked(editor)).toBe(false);
    expect(linkedInY(editor.doc)).toBe(false);
  });

  it('does not edit a document by loading it', () => {
    const { doc } = plainUrlDoc();
    const loaded = replica('fresh', 2, Y.encodeStateAsUpdate(doc));
    expect(linked(loaded)).toBe(false);
    expect(linkedInY(loaded.doc)).toBe(false);
    expect(Y.encodeStateVector(loaded.doc)).toEqual(Y.encodeStateVector(doc));
  });
});
