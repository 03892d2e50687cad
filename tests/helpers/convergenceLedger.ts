/**
 * The "no edit lost" oracle: a ledger of every struct clock and every deletion that any tracked doc
 * ever held, in any transaction (local edits, received updates, storage loads, y-tiptap repairs,
 * Yjs formatting cleanup). At the end the converged state must hold exactly this.
 *
 * Why not a shadow Y.Doc fed every local update: a Y.Doc is not a passive observer. When a remote
 * transaction touches formatted text, Yjs runs `cleanupYTextAfterTransaction` and deletes
 * redundant formatting marks as a local edit of the receiving doc, so a shadow doc invents
 * deletions no replica made (seen on seed 13 of the first version). Remote transactions are recorded as well because
 * receivers delete implicitly: an item that arrives inside a parent already deleted is deleted by
 * every receiver, in the receiving transaction, and by nobody "locally".
 */
import * as Y from 'yjs';

type DeleteSet = ReturnType<typeof Y.createDeleteSet>;

/** Merge the collected delete sets every so often, so memory stays flat in long scenarios. */
const COMPACT_EVERY = 256;

export class EditLedger {
  private readonly clocks = new Map<number, number>();
  private deleteSets: DeleteSet[] = [];

  track(doc: Y.Doc): void {
    doc.on('afterTransaction', (tr: Y.Transaction) => {
      for (const [client, clock] of tr.afterState) {
        if ((this.clocks.get(client) ?? 0) < clock) this.clocks.set(client, clock);
      }
      if (tr.deleteSet.clients.size === 0) return;
      this.deleteSets.push(tr.deleteSet);
      if (this.deleteSets.length >= COMPACT_EVERY) this.deleteSets = [Y.mergeDeleteSets(this.deleteSets)];
    });
  }

  /** A problem if `doc` lacks anything any tracked doc ever held, or holds more. */
  compare(doc: Y.Doc): string | null {
    const sv = Y.decodeStateVector(Y.encodeStateVector(doc));
    const clients = new Set([...sv.keys(), ...this.clocks.keys()]);
    const diffs: string[] = [];
    for (const client of [...clients].sort((a, b) => a - b)) {
      const have = sv.get(client) ?? 0;
      const want = this.clocks.get(client) ?? 0;
      if (have !== want) diffs.push(`client ${client}: has clock ${have}, edits reached ${want}`);
    }
    if (diffs.length > 0) return `state vector vs every edit ever seen: ${diffs.join('; ')}`;
    const everDeleted = Y.mergeDeleteSets(this.deleteSets);
    const deleted = Y.createDeleteSetFromStructStore(doc.store);
    if (!Y.equalDeleteSets(everDeleted, deleted)) return 'delete set differs from every deletion ever seen';
    return null;
  }
}
