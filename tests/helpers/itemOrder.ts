/**
 * Items whose right origin does not lie to the right of their origin. Yjs writes an item between its two
 * origins and list order never changes, so no correct writer makes one; when one exists, Yjs's conflict
 * scan never meets the right origin and places the item by whatever lies between, which differs with how
 * the structs happen to be split: the author, the room and a reload each show a different order
 * (structure fuzzer seeds 1087, a hand-made item, and 2064, Yjs's own undo: yjs#794).
 */
import * as Y from 'yjs';
import { existingStruct } from '../../server/integrity/yjsInternals.js';

export function crossedOrigins(doc: Y.Doc, root: Y.AbstractType<unknown>): string[] {
  const found: string[] = [];
  const visit = (type: Y.AbstractType<unknown>): void => {
    const position = new Map<Y.Item, number>();
    let index = 0;
    for (let item = type._start; item !== null; item = item.right) position.set(item, index++);
    // Where an id sits in this list, finer than the item: (item index, offset in the item).
    const at = (id: Y.ID): [number, number] | null => {
      const struct = existingStruct(doc, id);
      if (!(struct instanceof Y.Item)) return null;
      const found = position.get(struct);
      return found === undefined ? null : [found, id.clock - struct.id.clock];
    };
    for (let item = type._start; item !== null; item = item.right) {
      if (item.origin && item.rightOrigin) {
        const left = at(item.origin);
        const right = at(item.rightOrigin);
        if (left && right && (right[0] < left[0] || (right[0] === left[0] && right[1] <= left[1]))) found.push(`${item.id.client}:${item.id.clock}`);
      }
      if (!item.deleted && item.content instanceof Y.ContentType) visit(item.content.type as Y.AbstractType<unknown>);
    }
  };
  visit(root);
  return found;
}
