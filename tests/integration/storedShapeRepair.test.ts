/**
 * Documents stored before the server checked every update may hold shapes no editor can show (and that an
 * editor would delete, blaming whoever typed next), or structs Yjs could never integrate. The room repairs
 * them once, deterministically, on load: the bad items are removed as one server change the timeline
 * names, the honest content stays, and the next load has nothing left to do.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { Role } from '../../shared/auth.js';
import type { EventsResponse } from '../../shared/timeline/api.js';
import { findViolations } from '../../server/integrity/documentCheck.js';
import { applyStoredDocument } from '../../server/storage/storedDocument.js';
import { connectClient, waitSynced } from '../helpers/clients.js';
import { testScope } from '../helpers/scope.js';
import { tempDataDir } from '../helpers/server.js';
import { documentText, yParagraph } from '../helpers/yBlocks.js';
import { api } from './timelineFixtures.js';

const scope = testScope();

/** A document with honest paragraphs and three shapes the schema forbids, as an old server would have stored it. */
function corruptedDocument(): Uint8Array {
  const doc = new Y.Doc();
  const fragment = doc.getXmlFragment('default');
  const nested = new Y.XmlElement('paragraph');
  nested.insert(0, [yParagraph('inner')]);
  const code = new Y.XmlElement('codeBlock');
  const codeText = new Y.XmlText();
  code.insert(0, [codeText]);
  fragment.insert(0, [yParagraph('Keep me'), new Y.XmlText('stray'), nested, code, yParagraph('And me')]);
  codeText.insert(0, 'let x');
  codeText.format(0, 3, { bold: {} });
  return Y.encodeStateAsUpdate(doc);
}

describe('stored documents the editor schema rejects', () => {
  it('are repaired once on load, with a timeline event, keeping the honest content', async () => {
    const dataDir = tempDataDir();
    const first = await scope.server({ dataDir });
    await first.store.append('legacy', [{ update: corruptedDocument(), userId: 'old-user', createdAt: Date.now() }]);
    const token = await first.tokens.mint({ sub: 'ada', name: 'Ada', role: Role.editor, doc: 'legacy' }, 600);
    const ada = scope.client(first.url, 'legacy', token);
    await waitSynced(ada);
    const fragment = ada.doc.getXmlFragment('default');
    expect(findViolations(ada.doc)).toEqual([]);
    expect(documentText(ada.doc)).toBe('Keep me\n\nlet x\nAnd me');
    // The paragraph nested in a paragraph is gone (its outer one stays, empty); the bold inside the code
    // block is gone, the code text stays.
    expect((fragment.get(2) as Y.XmlElement).nodeName).toBe('codeBlock');
    expect(((fragment.get(2) as Y.XmlElement).get(0) as Y.XmlText).toDelta()).toEqual([{ insert: 'let x' }]);

    const events = (await (await api(first.url, token, '/api/docs/legacy/events')).json()) as EventsResponse;
    expect(events.events.filter((event) => event.kind === 'repair')).toHaveLength(1);

    // Stored, so the next load (a new process) has nothing to repair.
    ada.destroy();
    await first.close();
    const second = await scope.server({ dataDir });
    const stored = new Y.Doc();
    applyStoredDocument(stored, await second.store.load('legacy'));
    expect(findViolations(stored)).toEqual([]);
    const bo = connectClient(second.url, 'legacy', await second.tokens.mint({ sub: 'bo', name: 'Bo', role: Role.editor, doc: 'legacy' }, 600));
    scope.defer(() => bo.destroy());
    await waitSynced(bo);
    expect(documentText(bo.doc)).toBe('Keep me\n\nlet x\nAnd me');
    const after = (await (await api(second.url, token, '/api/docs/legacy/events')).json()) as EventsResponse;
    expect(after.events.filter((event) => event.kind === 'repair')).toHaveLength(1);
  });

  it('forgets stored structs that could never be integrated, and serves the rest', async () => {
    const srv = await scope.server();
    const writer = new Y.Doc();
    writer.getXmlFragment('default').insert(0, [yParagraph('first')]);
    const before = Y.encodeStateVector(writer);
    writer.getXmlFragment('default').insert(1, [yParagraph('second')]);
    const honest = new Y.Doc();
    honest.getXmlFragment('default').insert(0, [yParagraph('honest')]);
    // Only the second paragraph's structs: they wait on clocks nobody will send.
    const pending = Y.encodeStateAsUpdate(writer, before);
    await srv.store.append('bricked', [
      { update: Y.encodeStateAsUpdate(honest), userId: 'h', createdAt: Date.now() },
      { update: pending, userId: 'x', createdAt: Date.now() },
    ]);
    const token = await srv.tokens.mint({ sub: 'ada', name: 'Ada', role: Role.editor, doc: 'bricked' }, 600);
    const ada = scope.client(srv.url, 'bricked', token);
    await waitSynced(ada);
    expect(documentText(ada.doc)).toBe('honest');
    expect(ada.doc.store.pendingStructs).toBeNull();
    const room = srv.rooms.get('bricked');
    expect(room?.doc.store.pendingStructs).toBeNull();
    expect(room?.doc.store.pendingDs).toBeNull();
    // The sync reply carried none of it either.
    expect(Y.encodeStateAsUpdate(ada.doc).length).toBeLessThan(Y.encodeStateAsUpdate(honest).length + 64);
  });
});
