/**
 * The items a Yjs transaction inserted, read from the struct store by the clock ranges the transaction
 * advanced. `transaction.changed` is not enough for that: it leaves out types created in the same
 * transaction (a pasted or re-created block's text), and only names the types, not what was added.
 */
import * as Y from 'yjs';

export function forEachInsertedItem(transaction: Y.Transaction, visit: (item: Y.Item) => void): void {
  const { store } = transaction.doc;
  for (const [client, afterClock] of transaction.afterState) {
    const beforeClock = transaction.beforeState.get(client) ?? 0;
    if (afterClock === beforeClock) continue;
    const structs = store.clients.get(client);
    if (!structs) continue;
    for (let i = Y.findIndexSS(structs, beforeClock); i < structs.length; i++) {
      const struct = structs[i] as Y.Item | Y.GC;
      if (struct.id.clock >= afterClock) break;
      if (struct instanceof Y.Item) visit(struct);
    }
  }
}
