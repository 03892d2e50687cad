/**
 * The repairs the place where every change meets (the server's room; the convergence suite's hub)
 * applies after each update it integrates: states that no single replica made and that Yjs merges into
 * without complaint, but that the editor's model forbids. Each repair is deterministic and checks only
 * what the transactions since its last run could have broken.
 */
import type * as Y from 'yjs';
import { SectionIdRepairWatch, type KeepPreference } from '../sections/sectionIdRepair.js';
import { DOCUMENT_FRAGMENT } from './extensions.js';
import { MarkExclusionRepairWatch } from './markExclusionRepair.js';
import { documentSchema } from './schema.js';

export interface RepairCounts {
  /** Headings renamed because another heading had the same sectionId. */
  sectionIds: number;
  /** Formatting runs whose forbidden mark combination was cleared. */
  marks: number;
}

export class DocumentRepairs {
  private readonly sectionIds: SectionIdRepairWatch;
  private readonly marks: MarkExclusionRepairWatch;

  /** Without `origins`, repairs run under each repair's own constant origin. An owner that names its
   *  origins (the server: a repair origin carrying its cause) gives `isRepair` to recognise them and an
   *  origin to each `run`. `skipMarkChecks`: origins whose text needs no mark check. Loading from storage
   *  is one: what was stored was repaired when it arrived, and re-reading every text of a large document
   *  on load is not free. */
  constructor(doc: Y.Doc, origins?: { isRepair(origin: unknown): boolean; skipMarkChecks?(origin: unknown): boolean }) {
    this.sectionIds = new SectionIdRepairWatch(doc.getXmlFragment(DOCUMENT_FRAGMENT), origins?.isRepair);
    this.marks = new MarkExclusionRepairWatch(doc, documentSchema(), origins?.skipMarkChecks, origins?.isRepair);
  }

  /** `preferHeading`: between copies of a heading, the one to keep its id (e.g. a locked section's).
   *  `origin`: the transaction origin of the repairs (one `isRepair` recognises). */
  run(preferHeading?: KeepPreference, origin?: unknown): RepairCounts {
    return { sectionIds: this.sectionIds.repairIfNeeded(preferHeading, origin), marks: this.marks.repairIfNeeded(origin) };
  }

  destroy(): void {
    this.sectionIds.destroy();
    this.marks.destroy();
  }
}
