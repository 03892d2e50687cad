/** The timeline HTTP API (grammar in shared/timeline/api.ts): events, versions, state at a point, restore,
 *  and the document's storage quota: usage, dropping history, deleting versions. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as Y from 'yjs';
import type { Identity } from '../../shared/auth.js';
import { isValidDocName } from '../../shared/docName.js';
import {
  MAX_EVENTS_PAGE,
  MAX_VERSION_NAME_LENGTH,
  SEQ_HEADER,
  TIMELINE_API_PREFIX,
  type AttributionResponse,
  type EventsResponse,
  type RestoreResponse,
  type TimelineError,
  type TimelineEvent,
  type TimelineVersion,
  type UsageResponse,
  type VersionsResponse,
} from '../../shared/timeline/api.js';
import type { AccessControl } from '../accounts/access.js';
import { attributeChanges } from '../history/attribution.js';
import { stateAt } from '../history/reconstruct.js';
import { applyRestore, fragmentToProseMirror } from '../history/restore.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { RoomRegistry } from '../room/registry.js';
import { QUOTA_EXCEEDED_REASON } from '../../shared/protocol/closeCodes.js';
import { EventKind, type DocumentStore, type EventRow, type SnapshotInfo } from '../storage/types.js';
import { readJsonObject } from '../http/jsonBody.js';
import { sendJson } from '../http/replies.js';

/** A restore or version request is a number or a short name. */
const MAX_BODY_BYTES = 4 * 1024;
const DEFAULT_EVENTS_PAGE = 200;

export interface TimelineDeps {
  store: DocumentStore;
  /** Checks the bearer token exactly as the socket upgrade does (server/accounts/access.ts). */
  access: AccessControl;
  rooms: RoomRegistry;
  logger: Logger;
  metrics: Metrics;
  /** DOCUMENT_QUOTA_BYTES: past it, naming a version answers 413. */
  quotaBytes: number;
}

type Handler = (request: IncomingMessage, response: ServerResponse) => Promise<boolean>;

/** Returns a handler that answers timeline routes and resolves false for any other path. */
export function createTimelineHandler(deps: TimelineDeps): Handler {
  return async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (!url.pathname.startsWith(TIMELINE_API_PREFIX)) return false;
    const [rawDoc, resource, sub, ...rest] = url.pathname.slice(TIMELINE_API_PREFIX.length).split('/');
    if (rawDoc === undefined || resource === undefined || rest.length > 0) return false;
    // Two routes have a second segment: versions/:id and history/drop.
    if (sub !== undefined && resource !== 'versions' && !(resource === 'history' && sub === 'drop')) return false;
    let docName: string;
    try {
      docName = decodeURIComponent(rawDoc);
    } catch {
      return fail(response, 400, 'bad document name');
    }
    if (!isValidDocName(docName)) return fail(response, 400, 'bad document name');

    const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? null;
    const auth = await deps.access.identify(bearer, docName);
    if (!auth.ok) return fail(response, auth.status, auth.status === 401 && bearer === null ? 'token required' : auth.reason);
    const { identity } = auth;
    // Every line a timeline request logs says which document and who.
    const requestDeps = { ...deps, logger: deps.logger.child({ doc: docName, user: identity.userId }) };
    const method = request.method ?? 'GET';
    const route = sub === undefined ? `${method} ${resource}` : resource === 'versions' ? `${method} versions/:id` : `${method} ${resource}/${sub}`;
    deps.metrics.inc('tandem_timeline_requests_total', 1, { route });
    switch (route) {
      case 'GET events':
        return listEvents(requestDeps, docName, url, response);
      case 'GET versions':
        return listVersions(requestDeps, docName, response);
      case 'POST versions':
        if (identity.role !== 'editor') return fail(response, 403, 'viewers cannot name versions');
        return nameVersion(requestDeps, docName, identity, request, response);
      case 'GET state':
        return sendState(requestDeps, docName, url, response);
      case 'GET attribution':
        return sendAttribution(requestDeps, docName, url, response);
      case 'POST restore':
        if (identity.role !== 'editor') return fail(response, 403, 'viewers cannot restore');
        return restore(requestDeps, docName, identity, request, response);
      case 'GET usage':
        return sendUsage(requestDeps, docName, response);
      // Freeing space is the owner's decision (a host application's editor tokens count as the owner's).
      case 'POST history/drop':
        if (!identity.isOwner) return fail(response, 403, 'only the owner can drop history');
        return dropHistory(requestDeps, docName, response);
      case 'DELETE versions/:id':
        if (!identity.isOwner) return fail(response, 403, 'only the owner can delete versions');
        return deleteVersion(requestDeps, docName, sub ?? '', response);
      default:
        return fail(response, KNOWN_ROUTES.has(route.slice(method.length + 1)) ? 405 : 404, 'no such endpoint');
    }
  };
}

/** Every path shape the API answers (another method on one of them is a 405). */
const KNOWN_ROUTES = new Set(['events', 'versions', 'state', 'attribution', 'restore', 'usage', 'history/drop', 'versions/:id']);

function fail(response: ServerResponse, status: number, error: string, extra: Omit<TimelineError, 'error'> = {}): true {
  sendJson(response, status, { error, ...extra } satisfies TimelineError);
  return true;
}

/** A non-negative integer query parameter; undefined when absent, null when malformed. */
function intParam(url: URL, name: string): number | undefined | null {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return undefined;
  return /^\d{1,15}$/.test(raw) ? Number(raw) : null;
}

function toEvent(row: EventRow): TimelineEvent {
  return {
    seq: row.seq,
    kind: row.meta.kind,
    userId: row.userId,
    userName: row.meta.userName,
    userColor: row.meta.userColor,
    at: row.createdAt,
    inserted: row.meta.inserted,
    deleted: row.meta.deleted,
    sections: row.meta.sections,
    restoredFrom: row.meta.restoredFrom ?? null,
  };
}

function toVersion(info: SnapshotInfo): TimelineVersion {
  return { id: info.id, seq: info.seq, kind: info.kind, name: info.name, userId: info.userId, userName: info.userName, at: info.createdAt };
}

async function listEvents(deps: TimelineDeps, docName: string, url: URL, response: ServerResponse): Promise<true> {
  const before = intParam(url, 'before');
  const limit = intParam(url, 'limit');
  if (before === null || limit === null) return fail(response, 400, 'before and limit must be non-negative integers');
  const pageSize = Math.max(1, Math.min(limit ?? DEFAULT_EVENTS_PAGE, MAX_EVENTS_PAGE));
  const [rows, bounds] = await Promise.all([deps.store.listEvents(docName, before ?? null, pageSize), deps.store.logBounds(docName)]);
  const last = rows.at(-1);
  const body: EventsResponse = {
    events: rows.map(toEvent),
    latestSeq: bounds.latestSeq,
    oldestRetainedSeq: bounds.oldestRetainedSeq,
    nextBefore: rows.length === pageSize && last && last.seq > (bounds.oldestRetainedSeq ?? 0) ? last.seq : null,
  };
  sendJson(response, 200, body);
  return true;
}

/** Versions listed per request: every named one plus the recent automatic ones. */
const MAX_VERSIONS = 500;

async function listVersions(deps: TimelineDeps, docName: string, response: ServerResponse): Promise<true> {
  const snapshots = await deps.store.listSnapshots(docName, MAX_VERSIONS);
  sendJson(response, 200, { versions: snapshots.map(toVersion) } satisfies VersionsResponse);
  return true;
}

async function nameVersion(deps: TimelineDeps, docName: string, identity: Identity, request: IncomingMessage, response: ServerResponse): Promise<true> {
  const body = await readJsonObject(request, response, MAX_BODY_BYTES);
  if (!body) return true;
  const name = typeof body.name === 'string' ? body.name.trim().replace(/\s+/g, ' ') : '';
  if (name.length === 0 || name.length > MAX_VERSION_NAME_LENGTH) {
    return fail(response, 400, `name must be 1 to ${MAX_VERSION_NAME_LENGTH} characters`);
  }
  // Name what everyone sees now: make the live room's pending updates durable first.
  await deps.rooms.get(docName)?.whenDurable();
  const { latestSeq } = await deps.store.logBounds(docName);
  const state = await stateAt(deps.store, docName, latestSeq);
  if (!state.ok) return fail(response, 410, 'the current state could not be reconstructed');
  const encoded = Y.encodeStateAsUpdate(state.doc);
  state.doc.destroy();
  // A version is a full copy of the document: refused when it would take the document past its quota.
  const usage = await deps.store.usage(docName);
  if (usage.totalBytes + encoded.length > deps.quotaBytes) {
    deps.metrics.inc('tandem_quota_refusals_total');
    return fail(response, 413, `${QUOTA_EXCEEDED_REASON}: drop history or delete versions to free space`, { usage, quotaBytes: deps.quotaBytes });
  }
  const info = await deps.store.saveSnapshot(docName, {
    seq: state.seq,
    state: encoded,
    kind: 'named',
    name,
    userId: identity.userId,
    userName: identity.name,
    createdAt: Date.now(),
  });
  deps.rooms.get(docName)?.quota.noteSnapshot(info.bytes, 'named');
  sendJson(response, 201, toVersion(info));
  return true;
}

/** Resolves `?at=<seq>` or `?version=<id>` (or `{seq}` / `{versionId}`) to a document state. */
async function resolvePoint(
  deps: TimelineDeps,
  docName: string,
  point: { seq?: number | null | undefined; versionId?: number | null | undefined },
): Promise<{ ok: true; seq: number; doc: Y.Doc; name?: string | null } | { ok: false; status: number; error: string }> {
  if (point.versionId !== undefined && point.versionId !== null) {
    const snapshot = await deps.store.getSnapshot(docName, point.versionId);
    if (!snapshot) return { ok: false, status: 404, error: 'no such version' };
    const doc = new Y.Doc();
    Y.applyUpdate(doc, snapshot.state);
    return { ok: true, seq: snapshot.seq, doc, name: snapshot.name };
  }
  if (point.seq === undefined || point.seq === null) return { ok: false, status: 400, error: 'give a seq or a version id' };
  const state = await stateAt(deps.store, docName, point.seq);
  if (!state.ok) return { ok: false, status: 410, error: 'that point is older than the history retention window' };
  return state;
}

async function sendState(deps: TimelineDeps, docName: string, url: URL, response: ServerResponse): Promise<true> {
  const seq = intParam(url, 'at');
  const versionId = intParam(url, 'version');
  if (seq === null || versionId === null) return fail(response, 400, 'at and version must be non-negative integers');
  const point = await resolvePoint(deps, docName, { seq, versionId });
  if (!point.ok) return fail(response, point.status, point.error);
  const update = Y.encodeStateAsUpdate(point.doc);
  point.doc.destroy();
  response.writeHead(200, {
    'content-type': 'application/octet-stream',
    'cache-control': 'no-store',
    [SEQ_HEADER]: String(point.seq),
    'access-control-expose-headers': SEQ_HEADER,
  });
  response.end(update);
  return true;
}

async function sendAttribution(deps: TimelineDeps, docName: string, url: URL, response: ServerResponse): Promise<true> {
  const from = intParam(url, 'from');
  const to = intParam(url, 'to');
  if (from === null || to === null || from === undefined || to === undefined) return fail(response, 400, 'from and to are required integers');
  const authors = await attributeChanges(deps.store, docName, Math.min(from, to), Math.max(from, to));
  sendJson(response, 200, { authors } satisfies AttributionResponse);
  return true;
}

async function restore(deps: TimelineDeps, docName: string, identity: Identity, request: IncomingMessage, response: ServerResponse): Promise<true> {
  const fields = await readJsonObject(request, response, MAX_BODY_BYTES);
  if (!fields) return true;
  const asInt = (value: unknown): number | undefined | null =>
    value === undefined ? undefined : Number.isSafeInteger(value) && (value as number) >= 0 ? (value as number) : null;
  const seq = asInt(fields.seq);
  const versionId = asInt(fields.versionId);
  if (seq === null || versionId === null || (seq === undefined && versionId === undefined)) {
    return fail(response, 400, 'body must be {"seq": n} or {"versionId": n}');
  }
  const point = await resolvePoint(deps, docName, { seq, versionId });
  if (!point.ok) return fail(response, point.status, point.error);
  const target = fragmentToProseMirror(point.doc);
  point.doc.destroy();

  // When the restored state was made: what the room is told ("the version from 10:02").
  const fromAt = (await deps.store.listEvents(docName, point.seq + 1, 1))[0]?.createdAt ?? null;

  const held = await deps.rooms.hold(docName);
  try {
    const { room } = held;
    // The state right before the restore, which "undo" restores to: the seq of a moment when everything
    // applied is stored. The lock check and the restore's transaction below run in the same turn as that
    // answer, so no edit and no lock can come in between (an edit there would be dropped by an undo).
    const undoSeq = await room.settledSeq();
    // A restore that would change a section someone else holds is refused as a whole: restoring
    // "everything but" would produce a state that never existed, harder to reason about than a refusal.
    const blocked = room.lockedAgainstRestore(identity.userId, target);
    if (blocked.length > 0) {
      const names = [...new Set(blocked.map((b) => b.holder))].join(', ');
      return fail(response, 409, `${names} locked a section this restore would change`, { sections: blocked.map((b) => b.sectionId) });
    }
    await applyRestore(room, target, {
      userId: identity.userId,
      kind: EventKind.restore,
      userName: identity.name,
      userColor: identity.color,
      restoredFrom: point.seq,
    });
    const { latestSeq } = await deps.store.logBounds(docName);
    // Nobody's text changes without a word: everyone connected learns who restored what, and how to undo it.
    // A restore to the state already there changed nothing, so there is nothing to tell.
    if (latestSeq !== undoSeq) {
      room.announceRestore({ by: { userId: identity.userId, name: identity.name, color: identity.color }, restoredFrom: point.seq, fromAt, versionName: point.name ?? null, undoSeq, at: Date.now() });
    }
    deps.metrics.inc('tandem_restores_total');
    deps.logger.info('restored', { from: point.seq, seq: latestSeq });
    sendJson(response, 200, { seq: latestSeq, restoredFrom: point.seq } satisfies RestoreResponse);
    return true;
  } finally {
    held.release();
  }
}

async function sendUsage(deps: TimelineDeps, docName: string, response: ServerResponse): Promise<true> {
  // Make what the live room holds durable first, so the answer covers everything accepted so far.
  await deps.rooms.get(docName)?.whenDurable();
  sendJson(response, 200, { usage: await deps.store.usage(docName), quotaBytes: deps.quotaBytes } satisfies UsageResponse);
  return true;
}

/**
 * Frees space by dropping history: the room folds its whole log into a checkpoint (loaded for this if
 * nobody has it open, so rows written since its last checkpoint are folded too), then the folded rows and
 * every automatic snapshot are deleted. The document and its named versions stay as they are; the timeline
 * just reaches less far back.
 */
async function dropHistory(deps: TimelineDeps, docName: string, response: ServerResponse): Promise<true> {
  const held = await deps.rooms.hold(docName);
  try {
    const before = await deps.store.usage(docName);
    await held.room.compact(true);
    await deps.store.dropHistory(docName);
    await held.room.quota.refresh();
    const usage = await deps.store.usage(docName);
    deps.metrics.inc('tandem_history_drops_total');
    deps.logger.info('dropped history', { freedBytes: before.totalBytes - usage.totalBytes, totalBytes: usage.totalBytes });
    sendJson(response, 200, { usage, quotaBytes: deps.quotaBytes } satisfies UsageResponse);
    return true;
  } finally {
    held.release();
  }
}

async function deleteVersion(deps: TimelineDeps, docName: string, rawId: string, response: ServerResponse): Promise<true> {
  if (!/^\d{1,15}$/.test(rawId)) return fail(response, 400, 'version id must be a non-negative integer');
  const id = Number(rawId);
  if (!(await deps.store.deleteSnapshot(docName, id))) return fail(response, 404, 'no such version');
  await deps.rooms.get(docName)?.quota.refresh();
  deps.logger.info('deleted version', { id });
  sendJson(response, 200, { usage: await deps.store.usage(docName), quotaBytes: deps.quotaBytes } satisfies UsageResponse);
  return true;
}
