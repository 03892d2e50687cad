/** A change the server makes itself (a restore, on someone's behalf), with its timeline identity. */
import type * as Y from 'yjs';
import type { EventKind } from '../storage/types.js';

export interface ServerChangeEvent {
  userId: string | null;
  kind: EventKind;
  userName: string | null;
  userColor: string | null;
  restoredFrom?: number | null;
}

/** What history needs of a live document to change it (the Room): declared here so history need not import the room. */
export interface ServerChangeTarget {
  /** Applies `change` as one forward transaction through the write path; resolves once it is durable. */
  applyServerChange(change: (doc: Y.Doc) => void, event: ServerChangeEvent): Promise<void>;
}
