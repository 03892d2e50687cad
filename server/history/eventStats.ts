/**
 * What one transaction did, in the terms the timeline shows: characters inserted and deleted, and the
 * sections it touched. Computed from the transaction itself in `afterTransaction` (before Yjs garbage
 * collects deleted content, which would hide whether a deleted item was text), so the cost is
 * proportional to the change, never to the document: no serialisation, no full block scan. Finding a
 * touched block's section walks left from that block to the nearest heading.
 */
import * as Y from 'yjs';
import { DOCUMENT_FRAGMENT } from '../../shared/editor/extensions.js';
import { LEADING_SECTION_ID } from '../../shared/sections/sectionModel.js';
import { SECTION_ID_ATTRIBUTE } from '../../shared/sections/blockSummaries.js';
import { forEachInsertedItem } from '../../shared/yjs/insertedItems.js';

export interface TransactionStats {
  inserted: number;
  deleted: number;
  sections: string[];
}

/** An update touching more sections than this is listed as touching the first ones (a paste or a restore). */
const MAX_SECTIONS_PER_EVENT = 20;

/** Remembers the stats of each transaction of `doc` until its `update` event asks for them. */
export class TransactionStatsTracker {
  private readonly stats = new WeakMap<Y.Transaction, TransactionStats>();
  private readonly listener = (transaction: Y.Transaction): void => {
    if (this.skip(transaction.origin)) return;
    if (transaction.deleteSet.clients.size > 0 || changedAnyClock(transaction)) {
      this.stats.set(transaction, transactionStats(transaction, this.doc.getXmlFragment(DOCUMENT_FRAGMENT)));
    }
  };

  /** `skip`: origins whose transactions are not events (e.g. loading from storage). */
  constructor(
    private readonly doc: Y.Doc,
    private readonly skip: (origin: unknown) => boolean,
  ) {
    doc.on('afterTransaction', this.listener);
  }

  take(transaction: Y.Transaction | undefined): TransactionStats {
    const stats = transaction ? this.stats.get(transaction) : undefined;
    if (transaction) this.stats.delete(transaction);
    return stats ?? { inserted: 0, deleted: 0, sections: [] };
  }

  dispose(): void {
    this.doc.off('afterTransaction', this.listener);
  }
}

function changedAnyClock(transaction: Y.Transaction): boolean {
  for (const [client, clock] of transaction.afterState) if ((transaction.beforeState.get(client) ?? 0) !== clock) return true;
  return false;
}

export function transactionStats(transaction: Y.Transaction, fragment: Y.XmlFragment): TransactionStats {
  let inserted = 0;
  let deleted = 0;
  const sections = new Set<string>();
  const sectionOfTop = new Map<Y.Item, string>();
  const touch = (item: Y.Item): void => {
    if (sections.size >= MAX_SECTIONS_PER_EVENT) return;
    const top = topLevelItem(item, fragment);
    if (!top) return;
    let section = sectionOfTop.get(top);
    if (section === undefined) {
      section = sectionOf(top);
      sectionOfTop.set(top, section);
    }
    sections.add(section);
  };

  forEachInsertedItem(transaction, (item) => {
    if (item.content instanceof Y.ContentString && !item.deleted) inserted += item.length;
    touch(item);
  });
  Y.iterateDeletedStructs(transaction, transaction.deleteSet, (struct) => {
    if (!(struct instanceof Y.Item)) return;
    const isNew = struct.id.clock >= (transaction.beforeState.get(struct.id.client) ?? 0);
    if (struct.content instanceof Y.ContentString && !isNew) deleted += struct.length;
    if (!isNew) touch(struct);
  });
  return { inserted, deleted, sections: [...sections] };
}

/** The item of the top-level block (a direct child of the fragment) that contains `item`, if any. */
function topLevelItem(item: Y.Item, fragment: Y.XmlFragment): Y.Item | null {
  let current: Y.Item | null = item;
  while (current) {
    const parent: unknown = current.parent;
    if (parent === fragment) return current;
    if (!(parent instanceof Y.AbstractType)) return null;
    current = parent._item;
  }
  return null;
}

/** The section a top-level block belongs to: its own heading's id, or the nearest heading before it. */
function sectionOf(top: Y.Item): string {
  for (let current: Y.Item | null = top; current; current = current.left) {
    if (current !== top && current.deleted) continue;
    if (!(current.content instanceof Y.ContentType)) continue;
    const element = current.content.type;
    if (!(element instanceof Y.XmlElement) || element.nodeName !== 'heading') continue;
    const id = element.getAttribute(SECTION_ID_ATTRIBUTE);
    if (typeof id === 'string' && id !== '') return id;
    if (!current.deleted) return 'unstamped';
  }
  return LEADING_SECTION_ID;
}
