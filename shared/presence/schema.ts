/**
 * The awareness state a Tandem tab publishes (version 1):
 *
 *   presenceState = {
 *     v: 1,
 *     user: { id, name, color },          ; stamped by the server from the token: clients cannot pose as someone else
 *     status: 'active' | 'idle' | 'away', ; see status.ts
 *     sectionId: string | null,           ; the innermost section holding the caret (shared/sections), see SECTION_ID_PATTERN
 *     typing: boolean,                    ; edited within the last few seconds
 *     lockRequests?: string[],            ; section locks: ≤ 16 section ids (SECTION_ID_PATTERN) this tab asks for
 *     cursor?: { anchor, head } | null,   ; written by y-tiptap's cursor plugin: Yjs relative positions (JSON)
 *   }
 *
 * Awareness is untrusted input from other tabs: every state is decoded here before anything reads it, and
 * a state that does not decode is ignored (the server's own entry, which carries the lock table and no
 * `user`, never decodes, so it is never shown as a person). Unknown extra fields are dropped.
 */
import { isHexColor } from '../colors.js';

export const PRESENCE_VERSION = 1;

export const PresenceStatus = { active: 'active', idle: 'idle', away: 'away' } as const;
export type PresenceStatus = (typeof PresenceStatus)[keyof typeof PresenceStatus];

/** User ids come from a host application's tokens (UUIDs, e-mails): generous, but bounded. */
export const MAX_PRESENCE_USER_ID_LENGTH = 256;
/** Names are bounded by the token issuer; this only stops a hostile issuer from flooding every UI. */
export const MAX_PRESENCE_NAME_LENGTH = 256;
/**
 * Section ids: a heading's `sectionId` attribute (UniqueID's UUIDs, `h-<client>-<clock>` from the duplicate
 * repair), `unstamped:<n>` or `leading`. The one bound for every place that carries one: the document
 * schema's `sectionId` attribute, presence (`sectionId`, `lockRequests`) and the lock table.
 */
export const MAX_SECTION_ID_LENGTH = 64;
/** A well-formed section id, whole: 1–MAX_SECTION_ID_LENGTH characters of `[A-Za-z0-9_.:-]`. */
export const SECTION_ID_PATTERN = new RegExp(`^[A-Za-z0-9_.:-]{1,${MAX_SECTION_ID_LENGTH}}$`);

export function isSectionIdString(value: unknown): value is string {
  return typeof value === 'string' && SECTION_ID_PATTERN.test(value);
}
/** A tab asks for a handful of sections at most; more is abuse of the server's arbitration. */
export const MAX_LOCK_REQUESTS = 16;
/** Yjs type names in relative positions are the fragment name ("default"). */
const MAX_TYPE_NAME_LENGTH = 256;

export interface PresenceUser {
  id: string;
  name: string;
  color: string;
}

/** A Yjs item id as JSON-encoded inside a relative position. */
export interface YItemId {
  client: number;
  clock: number;
}

/** `Y.relativePositionToJSON` output (y-tiptap stores the RelativePosition object; JSON.stringify gives this). */
export interface RelativePositionJson {
  type?: YItemId | null;
  tname?: string | null;
  item?: YItemId | null;
  assoc?: number | null;
}

export interface PresenceCursor {
  anchor: RelativePositionJson;
  head: RelativePositionJson;
}

export interface PresenceState {
  v: typeof PRESENCE_VERSION;
  user: PresenceUser;
  status: PresenceStatus;
  sectionId: string | null;
  typing: boolean;
  lockRequests?: string[];
  /** null when the tab's editor is not focused (y-tiptap clears it on blur). */
  cursor: PresenceCursor | null;
}

/** The fields the presence publisher owns (the caret plugin owns `cursor`, locks own `lockRequests`). */
export type PublishedPresence = Pick<PresenceState, 'v' | 'user' | 'status' | 'sectionId' | 'typing'>;

type Fields = Record<string, unknown>;

function isRecord(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isBoundedString(value: unknown, max: number, min = 0): value is string {
  return typeof value === 'string' && value.length >= min && value.length <= max;
}

function isStatus(value: unknown): value is PresenceStatus {
  return value === PresenceStatus.active || value === PresenceStatus.idle || value === PresenceStatus.away;
}

function isNaturalNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

export function parsePresenceUser(raw: unknown): PresenceUser | null {
  if (!isRecord(raw)) return null;
  const { id, name, color } = raw;
  if (!isBoundedString(id, MAX_PRESENCE_USER_ID_LENGTH, 1)) return null;
  if (!isBoundedString(name, MAX_PRESENCE_NAME_LENGTH)) return null;
  if (!isHexColor(color)) return null;
  return { id, name, color };
}

function parseItemId(raw: unknown): YItemId | null | undefined | false {
  if (raw === undefined || raw === null) return raw;
  if (!isRecord(raw) || !isNaturalNumber(raw.client) || !isNaturalNumber(raw.clock)) return false;
  return { client: raw.client, clock: raw.clock };
}

export function parseRelativePosition(raw: unknown): RelativePositionJson | null {
  if (!isRecord(raw)) return null;
  const type = parseItemId(raw.type);
  const item = parseItemId(raw.item);
  if (type === false || item === false) return null;
  const { tname, assoc } = raw;
  if (tname !== undefined && tname !== null && !isBoundedString(tname, MAX_TYPE_NAME_LENGTH)) return null;
  if (assoc !== undefined && assoc !== null && !(typeof assoc === 'number' && Number.isSafeInteger(assoc))) return null;
  const position: RelativePositionJson = {};
  if (type !== undefined) position.type = type;
  if (tname !== undefined) position.tname = tname;
  if (item !== undefined) position.item = item;
  if (assoc !== undefined) position.assoc = assoc;
  return position;
}

function parseCursor(raw: unknown): PresenceCursor | null | false {
  if (raw === undefined || raw === null) return null;
  if (!isRecord(raw)) return false;
  const anchor = parseRelativePosition(raw.anchor);
  const head = parseRelativePosition(raw.head);
  return anchor && head ? { anchor, head } : false;
}

function parseLockRequests(raw: unknown): string[] | undefined | false {
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw) || raw.length > MAX_LOCK_REQUESTS) return false;
  for (const id of raw) if (!isSectionIdString(id)) return false;
  return [...(raw as string[])];
}

/** Decodes one awareness state; null for anything that is not a valid version-1 presence state. */
export function parsePresenceState(raw: unknown): PresenceState | null {
  if (!isRecord(raw) || raw.v !== PRESENCE_VERSION) return null;
  const user = parsePresenceUser(raw.user);
  if (!user || !isStatus(raw.status) || typeof raw.typing !== 'boolean') return null;
  const { sectionId } = raw;
  if (sectionId !== null && !isSectionIdString(sectionId)) return null;
  const cursor = parseCursor(raw.cursor);
  const lockRequests = parseLockRequests(raw.lockRequests);
  if (cursor === false || lockRequests === false) return null;
  const state: PresenceState = { v: PRESENCE_VERSION, user, status: raw.status, sectionId, typing: raw.typing, cursor };
  if (lockRequests !== undefined) state.lockRequests = lockRequests;
  return state;
}

/**
 * The server's admission rule for a client's (already identity-stamped) state. A state that declares
 * Tandem's schema (`v` present) must decode fully, so a Tandem tab can never publish something other tabs
 * would have to defend against; a state without `v` is a stock or third-party client's and passes through
 * (the wire contract promises that an unmodified WebsocketProvider works), bounded by the awareness size limit.
 */
export function isAdmissibleAwarenessState(state: Readonly<Fields>): boolean {
  return !('v' in state) || parsePresenceState(state) !== null;
}
