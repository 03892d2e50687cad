/**
 * An install upgraded from before accounts loses nothing: documents stored under guest-era names go to
 * the first account (the administrator), titled by their old name, reachable at their old address.
 */
import { describe, expect, it } from 'vitest';
import type { DocumentList } from '../../shared/accounts/api.js';
import { ApiUser, uniqueEmail } from '../helpers/accounts.js';
import { connectClient, editorToken, waitForDocumentText, waitSynced } from '../helpers/clients.js';
import { startTestServer, tempDataDir } from '../helpers/server.js';
import { bodyText } from '../helpers/yBlocks.js';

describe('documents stored before accounts', () => {
  it('belong to the first account after the upgrade, with their content', async () => {
    const dataDir = tempDataDir('adopt');
    const before = await startTestServer({ dataDir });
    const writer = connectClient(before.url, 'swift-otter-4821', await editorToken('Guest era'));
    await waitSynced(writer);
    bodyText(writer.doc).insert(0, 'written before accounts');
    await waitUntilStored(before, 'swift-otter-4821');
    writer.destroy();
    await before.close();

    const after = await startTestServer({ dataDir });
    try {
      const admin = new ApiUser(after.url);
      await admin.signUp(uniqueEmail('admin'));
      const list = await admin.request<DocumentList>('GET', '/api/documents');
      expect(list.body.owned.map((doc) => [doc.id, doc.title, doc.role])).toEqual([['swift-otter-4821', 'swift-otter-4821', 'owner']]);
      const reader = connectClient(after.url, 'swift-otter-4821', await admin.socketToken('swift-otter-4821'));
      await waitForDocumentText(reader.doc, (text) => text.includes('written before accounts'), 'the old content after the upgrade');
      reader.destroy();

      // The second account inherits nothing.
      const second = new ApiUser(after.url);
      await second.signUp(uniqueEmail('second'));
      expect((await second.request<DocumentList>('GET', '/api/documents')).body.owned).toEqual([]);
      expect((await second.token('swift-otter-4821')).status).toBe(404);
    } finally {
      await after.close();
    }
  });
});

/** Until the server's room holds the text, and it is on disk. */
async function waitUntilStored(server: Awaited<ReturnType<typeof startTestServer>>, name: string): Promise<void> {
  const room = server.rooms.get(name);
  if (!room) throw new Error(`no room for ${name}`);
  await waitForDocumentText(room.doc, (text) => text.includes('written before accounts'), 'the server to receive the edit');
  await room.whenDurable();
}
