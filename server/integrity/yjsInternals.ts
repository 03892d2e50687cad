/**
 * Every read of Yjs internals the integrity checks need, in one place (the struct store, struct fields,
 * pending structs): when Yjs changes, this module and its test break, nothing else. Written against
 * yjs 13.6 (`doc.store`, `Item.origin/rightOrigin/parent/parentSub`, `store.pendingStructs/pendingDs`).
 */
import * as Y from 'yjs';

export type Struct = Y.Item | Y.GC | Y.Skip;

/** The structs and delete set an update carries, decoded but not applied. Throws on malformed bytes. */
export function decodeStructs(update: Uint8Array): { structs: Struct[]; deletes: Map<number, Array<{ clock: number; len: number }>> } {
  const { structs, ds } = Y.decodeUpdate(update);
  return { structs: structs as Struct[], deletes: ds.clients };
}

/** The next clock the document expects from `client` (everything below it is integrated). */
export function clockOf(doc: Y.Doc, client: number): number {
  return Y.getState(doc.store, client);
}

/** The integrated struct holding `id`, or null when the document has no such clock. */
export function existingStruct(doc: Y.Doc, id: Y.ID): Y.Item | Y.GC | null {
  if (id.clock >= clockOf(doc, id.client)) return null;
  return Y.getItem(doc.store, id) as Y.Item | Y.GC;
}

/** Whether Yjs holds structs or deletes it could not integrate (they wait for clocks nobody sent). */
export function hasPending(doc: Y.Doc): boolean {
  return doc.store.pendingStructs !== null || doc.store.pendingDs !== null;
}

/**
 * Forgets what Yjs could not integrate. Pending data is not part of the document (no editor shows it), but
 * `encodeStateAsUpdate` would carry it into every checkpoint, snapshot and sync reply from then on.
 */
export function dropPending(doc: Y.Doc): boolean {
  const had = hasPending(doc);
  doc.store.pendingStructs = null;
  doc.store.pendingDs = null;
  return had;
}

/** The root name of a top-level type, or null for a nested one. */
export function rootName(type: Y.AbstractType<unknown>): string | null {
  return type._item === null ? Y.findRootTypeKey(type) : null;
}

/** A type's list items in order, deleted ones included (what `toArray` hides: where each value came from). */
export function* listItems(type: { _start: Y.Item | null }): Generator<Y.Item> {
  for (let item = type._start; item !== null; item = item.right) yield item;
}

/** A type's map entries (attributes) with the item holding each current value. */
export function mapItems(type: { _map: Map<string, Y.Item> }): IterableIterator<[string, Y.Item]> {
  return type._map.entries();
}
