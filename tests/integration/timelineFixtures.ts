/** Shared by the timeline integration tests: editing the `default` fragment as the editor would, and the API. */
import * as Y from 'yjs';
import { fragmentToProseMirror } from '../../server/history/restore.js';
import { SEQ_HEADER } from '../../shared/timeline/api.js';
import type { Prng } from '../helpers/prng.js';

export function paragraph(text: string): Y.XmlElement {
  const element = new Y.XmlElement('paragraph');
  element.insert(0, [new Y.XmlText(text)]);
  return element;
}

export function heading(text: string, sectionId: string, level = 1): Y.XmlElement {
  const element = new Y.XmlElement('heading');
  element.setAttribute('level', level as unknown as string);
  element.setAttribute('sectionId', sectionId);
  element.insert(0, [new Y.XmlText(text)]);
  return element;
}

export function blockText(fragment: Y.XmlFragment, index: number): Y.XmlText {
  return (fragment.get(index) as Y.XmlElement).get(0) as Y.XmlText;
}

/** The document as the editor sees it (ProseMirror JSON through the real schema), for exact comparison. */
export function editorJson(doc: Y.Doc): unknown {
  return fragmentToProseMirror(doc).toJSON();
}

const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'plan', 'risk', 'budget', 'note', 'Ω', 'ünïcode'];

/** One random edit of the kinds people make: type, delete, split into a new block, remove a block, add a heading. */
export function randomEdit(prng: Prng, doc: Y.Doc, label: string): void {
  const fragment = doc.getXmlFragment('default');
  doc.transact(() => {
    const blocks = fragment.length;
    const action = blocks === 0 ? 'newBlock' : prng.weighted({ type: 6, erase: 3, newBlock: 2, dropBlock: 1, heading: 1 });
    switch (action) {
      case 'type': {
        const text = blockText(fragment, prng.int(0, blocks - 1));
        text.insert(prng.int(0, text.length), `${prng.pick(WORDS)} `);
        return;
      }
      case 'erase': {
        const text = blockText(fragment, prng.int(0, blocks - 1));
        if (text.length === 0) return;
        const at = prng.int(0, text.length - 1);
        text.delete(at, prng.int(1, Math.min(6, text.length - at)));
        return;
      }
      case 'newBlock':
        fragment.insert(prng.int(0, blocks), [paragraph(`${prng.pick(WORDS)} ${label}`)]);
        return;
      case 'dropBlock':
        if (blocks > 1) fragment.delete(prng.int(0, blocks - 1), 1);
        return;
      case 'heading':
        fragment.insert(prng.int(0, blocks), [heading(`Section ${label}`, `s-${label}-${prng.uint32().toString(36)}`, prng.int(1, 3))]);
        return;
    }
  });
}

export async function api(base: string, token: string | null, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (token !== null) headers.set('authorization', `Bearer ${token}`);
  if (init.body !== undefined) headers.set('content-type', 'application/json');
  return fetch(`${base}${path}`, { ...init, headers });
}

export async function fetchState(base: string, token: string, docName: string, query: string): Promise<{ doc: Y.Doc; seq: number }> {
  const response = await api(base, token, `/api/docs/${docName}/state?${query}`);
  if (!response.ok) throw new Error(`state ${query}: ${response.status} ${await response.text()}`);
  const doc = new Y.Doc();
  Y.applyUpdate(doc, new Uint8Array(await response.arrayBuffer()));
  return { doc, seq: Number(response.headers.get(SEQ_HEADER)) };
}

/** For state with no event to wait on (a room's eviction): re-check every few milliseconds, bounded. */
export async function eventually(check: () => boolean, description: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
