/**
 * The timeline HTTP API, shared by the server routes and the client. Every route takes the same token as
 * the socket in `Authorization: Bearer <token>`: 401 when it is missing, invalid or expired, 403 when
 * its `doc` claim does not cover the document or (for writes) its role is `viewer`.
 *
 *   GET  /api/docs/:doc/events?before=<seq>&limit=<n>   → EventsResponse (newest first, paged by seq)
 *   GET  /api/docs/:doc/versions                        → VersionsResponse (named and automatic snapshots)
 *   POST /api/docs/:doc/versions {name}                 → TimelineVersion (names the current state)
 *   GET  /api/docs/:doc/state?at=<seq> | ?version=<id>  → a full-state Yjs update (V1, binary); header
 *                                                         `x-tandem-seq` is the point it represents.
 *                                                         410 when that point fell out of retention.
 *   GET  /api/docs/:doc/attribution?from=<seq>&to=<seq> → AttributionResponse (who changed what in between)
 *   POST /api/docs/:doc/restore {seq} | {versionId}      → RestoreResponse; 409 when a section that would
 *                                                         change is locked by someone else.
 *
 * Storage quota (DOCUMENT_QUOTA_BYTES: checkpoint, log, automatic snapshots and named versions together):
 *   GET    /api/docs/:doc/usage                         → UsageResponse (any role)
 *   POST   /api/docs/:doc/history/drop                  → UsageResponse after folding the log into a checkpoint
 *                                                         and deleting the folded rows and every automatic
 *                                                         snapshot (editors; named versions stay)
 *   DELETE /api/docs/:doc/versions/:id                  → UsageResponse; 404 when there is no such version
 *                                                         (editors)
 * Past the quota, `POST versions` answers 413 (TimelineError with usage and quotaBytes); restores and reads
 * still work, so a document over its quota stays readable, restorable and exportable.
 */
export const TIMELINE_API_PREFIX = '/api/docs/';
export const SEQ_HEADER = 'x-tandem-seq';
/** Largest page of events one request returns. */
export const MAX_EVENTS_PAGE = 500;
/** Longest version name. */
export const MAX_VERSION_NAME_LENGTH = 80;

export type TimelineEventKind = 'edit' | 'restore' | 'revert' | 'repair';

export interface TimelineEvent {
  seq: number;
  kind: TimelineEventKind;
  userId: string | null;
  userName: string | null;
  userColor: string | null;
  /** Server time, ms since the epoch. */
  at: number;
  inserted: number;
  deleted: number;
  sections: string[];
  restoredFrom: number | null;
}

export interface EventsResponse {
  events: TimelineEvent[];
  latestSeq: number;
  /** The oldest point still reconstructable from the log itself (older points only at snapshots). */
  oldestRetainedSeq: number | null;
  /** Pass as `before` for the next (older) page; null when there is none. */
  nextBefore: number | null;
}

export interface TimelineVersion {
  id: number;
  seq: number;
  kind: 'auto' | 'named';
  name: string | null;
  userId: string | null;
  userName: string | null;
  at: number;
}

export interface VersionsResponse {
  versions: TimelineVersion[];
}

export interface AttributionAuthor {
  userId: string;
  name: string | null;
  color: string | null;
  clients: number[];
  /** Base64 of a V1 delete set. */
  deleteSet: string;
}

export interface AttributionResponse {
  authors: AttributionAuthor[];
}

export interface RestoreResponse {
  /** The log position of the restore event (the new current state). */
  seq: number;
  restoredFrom: number;
}

/** Bytes of stored Yjs data per category (metadata and index overhead not counted). */
export interface DocumentUsage {
  checkpointBytes: number;
  logBytes: number;
  /** Automatic snapshots. */
  snapshotBytes: number;
  /** Named versions. */
  versionBytes: number;
  totalBytes: number;
}

export interface UsageResponse {
  usage: DocumentUsage;
  /** The document's storage quota; past it, growth is refused. */
  quotaBytes: number;
}

export interface TimelineError {
  error: string;
  /** For 409: the sections that are locked. */
  sections?: string[];
  /** For 413 (storage quota exceeded): what the document occupies, and its quota. */
  usage?: DocumentUsage;
  quotaBytes?: number;
}
