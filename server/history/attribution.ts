/**
 * Who made the changes between two points, in the shape Y.PermanentUserData reads (per user: the Yjs
 * client ids that inserted, and the delete sets of what they deleted), so the client can render a
 * y-tiptap snapshot diff in each author's colour without the live document carrying user data.
 */
import * as Y from 'yjs';
import type { DocumentStore } from '../storage/types.js';

export interface AuthorAttribution {
  /** The PermanentUserData key: the user id, or `server` for changes without a user. */
  userId: string;
  name: string | null;
  color: string | null;
  clients: number[];
  /** Base64 of a V1-encoded delete set (what Y.PermanentUserData stores per user). */
  deleteSet: string;
}

/** Attribution covers at most this many rows; a wider comparison shows its changes uncoloured. */
export const MAX_ATTRIBUTION_ROWS = 20_000;

export async function attributeChanges(store: DocumentStore, docName: string, fromSeq: number, toSeq: number): Promise<AuthorAttribution[]> {
  if (toSeq <= fromSeq || toSeq - fromSeq > MAX_ATTRIBUTION_ROWS) return [];
  const rows = await store.readRows(docName, fromSeq, toSeq);
  const users = new Map<string, { name: string | null; color: string | null; clients: Set<number>; deleteSets: Array<ReturnType<typeof Y.createDeleteSet>> }>();
  for (const row of rows) {
    const key = row.userId ?? 'server';
    let user = users.get(key);
    if (!user) {
      user = { name: null, color: null, clients: new Set(), deleteSets: [] };
      users.set(key, user);
    }
    user.name = row.meta?.userName ?? user.name;
    user.color = row.meta?.userColor ?? user.color;
    const { from, to } = Y.parseUpdateMeta(row.update);
    for (const [client, clock] of to) if (clock > (from.get(client) ?? 0)) user.clients.add(client);
    const { ds } = Y.decodeUpdate(row.update);
    if (ds.clients.size > 0) user.deleteSets.push(ds);
  }
  return [...users].map(([userId, user]) => ({
    userId,
    name: user.name,
    color: user.color,
    clients: [...user.clients],
    // encodeSnapshot writes the delete set first (V1), which is all PermanentUserData reads.
    deleteSet: Buffer.from(Y.encodeSnapshot(Y.createSnapshot(Y.mergeDeleteSets(user.deleteSets), new Map()))).toString('base64'),
  }));
}
