/** Rebuilding a document from what a store returns: the checkpoint, then the rows after it. */
import * as Y from 'yjs';
import type { StoredDocument } from './types.js';

/** One transaction per row: measured faster than one around all of them (Yjs's cleanup of a huge
 *  transaction costs more than many small ones; see server/history/reconstruct.ts). */
export function applyStoredDocument(doc: Y.Doc, stored: StoredDocument, origin: unknown = null): void {
  if (stored.checkpoint) Y.applyUpdate(doc, stored.checkpoint.state, origin);
  for (const row of stored.rows) Y.applyUpdate(doc, row.update, origin);
}
