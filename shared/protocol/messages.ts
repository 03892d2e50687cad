/**
 * Wire grammar (every frame is one binary WebSocket message, lib0 varUint framing):
 *
 *   frame      = varUint(messageType) body
 *   sync       = 0 syncMessage            ; y-protocols/sync: step1 | step2 | update
 *   awareness  = 1 varUint8Array(update)  ; y-protocols/awareness update
 *   auth       = 2 …                      ; y-protocols/auth (permission denied), server → client
 *   query      = 3                        ; ask the peer to send all awareness states
 *   tandem     = 100 varUint(kind) …      ; Tandem extensions, ONLY for clients that opted in
 *                                           with the `tandem=<version>` query parameter
 *
 *   tandem kinds:
 *     flushRequest  = 0 varUint(nonce)    ; client → server: "tell me when all I sent so far is durable"
 *     flushed       = 1 varUint(nonce)    ; server → client: everything this connection sent before
 *                                           the matching flushRequest is on disk
 *     notice        = 2 varString(json)   ; server → client: a typed notice (see TandemNotice)
 *     restored      = 3 varString(json)   ; server → client, channel version ≥ 2 only: someone restored an
 *                                           earlier version (see TandemRestored)
 *
 * Stock clients never receive type 100, so an unmodified WebsocketProvider keeps working.
 *
 * Forward compatibility: a tandem frame is always the whole WebSocket message, so a receiver can skip the
 * body of a kind it does not know. Both sides decode an unknown kind as `{ kind: 'unknown' }` and ignore
 * it (a newer peer's extension must not end the connection of an older one); a known kind that is
 * truncated or malformed is still an error.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';

export const MessageType = {
  sync: 0,
  awareness: 1,
  auth: 2,
  queryAwareness: 3,
  tandem: 100,
} as const;
export type MessageTypeName = keyof typeof MessageType;

export const TandemKind = {
  flushRequest: 0,
  flushed: 1,
  notice: 2,
  restored: 3,
} as const;

/** Query parameter a client sets to opt into Tandem's extra message types (`tandem=1`). */
export const TANDEM_OPT_IN_PARAM = 'tandem';

/** Query parameter carrying the channel version a client speaks. Kept apart from the opt-in, which stays
 *  `tandem=1`, because servers before versioning opt a client in only on exactly `tandem=1`: a newer
 *  client must still be opted in by them. */
export const TANDEM_VERSION_PARAM = 'tandemVersion';

/**
 * The Tandem channel version this build speaks. 1: the kinds above; a peer may close on a kind it does not
 * know. 2: the same kinds, and the peer promises to ignore kinds it does not know, so a newer server may
 * send this client kinds it adds later.
 */
export const TANDEM_CHANNEL_VERSION = 2;

/** A version parameter's value: 1–999999999, or null when it is not one. */
function versionNumber(value: string | null): number | null {
  if (value === null) return null;
  if (value === '') return 1;
  if (!/^[1-9][0-9]{0,8}$/.test(value)) return null;
  return Number(value);
}

/**
 * The channel version a client asked for, or null when it did not opt in. The opt-in (`tandem`, `tandem=1`;
 * any version number is accepted there too) is version 1 unless `tandemVersion=<n>` says more; a version
 * above ours is served as ours, since every version speaks the kinds of those before it. Anything else in
 * `tandem` is not an opt-in, as before.
 */
export function tandemVersionOf(params: URLSearchParams): number | null {
  const optIn = versionNumber(params.get(TANDEM_OPT_IN_PARAM));
  if (optIn === null) return null;
  const asked = Math.max(optIn, versionNumber(params.get(TANDEM_VERSION_PARAM)) ?? 1);
  return Math.min(asked, TANDEM_CHANNEL_VERSION);
}

/** Notices the server sends to opted-in clients; a discriminated union on `type`. */
export type TandemNotice =
  | { type: 'readOnly'; reason: string }
  | { type: 'updateRefused'; reason: string }
  /** Your role in this document changed while you were connected (shared/accounts/api.ts DocumentRole):
   *  below editor, the server drops your updates from now on and the editor turns read-only. */
  | { type: 'access'; role: 'viewer' | 'commenter' | 'editor' | 'owner'; reason: string };

/** The lowest channel version that may be sent `restored`: version 1 clients may close on a kind they do not know. */
export const RESTORED_MIN_VERSION = 2;

/**
 * A restore that just became durable, told to everyone in the room. `restoredFrom` is the seq restored to;
 * `undoSeq` is the latest seq just before the restore was applied, so restoring to it undoes the restore.
 */
export interface TandemRestored {
  by: { userId: string; name: string; color: string };
  restoredFrom: number;
  /** When the restored state was made (ms since the epoch); null when the log no longer says. */
  fromAt: number | null;
  /** The named version restored, if it was one (a person recognises "First draft" before a time). */
  versionName: string | null;
  undoSeq: number;
  /** When the restore was applied (ms since the epoch). */
  at: number;
}

export type TandemMessage =
  | { kind: 'flushRequest'; nonce: number }
  | { kind: 'flushed'; nonce: number }
  | { kind: 'notice'; notice: TandemNotice }
  | { kind: 'restored'; restored: TandemRestored }
  /** A kind this build does not know (sent by a newer peer): ignored by whoever receives it. */
  | { kind: 'unknown'; code: number };

export function encodeTandemMessage(message: TandemMessage): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.tandem);
  switch (message.kind) {
    case 'flushRequest':
    case 'flushed':
      encoding.writeVarUint(encoder, TandemKind[message.kind]);
      encoding.writeVarUint(encoder, message.nonce);
      break;
    case 'notice':
      encoding.writeVarUint(encoder, TandemKind.notice);
      encoding.writeVarString(encoder, JSON.stringify(message.notice));
      break;
    case 'restored':
      encoding.writeVarUint(encoder, TandemKind.restored);
      encoding.writeVarString(encoder, JSON.stringify(message.restored));
      break;
    case 'unknown':
      encoding.writeVarUint(encoder, message.code);
      break;
    default:
      assertNever(message);
  }
  return encoding.toUint8Array(encoder);
}

export type DecodeResult<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * Decodes the body of a tandem message (the decoder is positioned after the type byte).
 * Untrusted input: never throws, and requires the body to be fully consumed.
 */
export function decodeTandemBody(decoder: decoding.Decoder): DecodeResult<TandemMessage> {
  try {
    const kind = decoding.readVarUint(decoder);
    let value: TandemMessage;
    if (kind === TandemKind.flushRequest || kind === TandemKind.flushed) {
      const nonce = decoding.readVarUint(decoder);
      value = { kind: kind === TandemKind.flushRequest ? 'flushRequest' : 'flushed', nonce };
    } else if (kind === TandemKind.notice) {
      const notice = parseNotice(decoding.readVarString(decoder));
      if (!notice) return { ok: false, error: 'malformed notice' };
      value = { kind: 'notice', notice };
    } else if (kind === TandemKind.restored) {
      const restored = parseRestored(decoding.readVarString(decoder));
      if (!restored) return { ok: false, error: 'malformed restored message' };
      value = { kind: 'restored', restored };
    } else {
      // The rest of the frame belongs to a kind a newer peer speaks: skipped, not refused.
      return { ok: true, value: { kind: 'unknown', code: kind } };
    }
    if (decoding.hasContent(decoder)) return { ok: false, error: 'trailing bytes' };
    return { ok: true, value };
  } catch {
    return { ok: false, error: 'truncated tandem message' };
  }
}

function parseNotice(text: string): TandemNotice | null {
  try {
    const raw: unknown = JSON.parse(text);
    if (typeof raw !== 'object' || raw === null) return null;
    const { type, reason, role } = raw as Record<string, unknown>;
    if ((type === 'readOnly' || type === 'updateRefused') && typeof reason === 'string') {
      return { type, reason };
    }
    if (type === 'access' && typeof reason === 'string' && (role === 'viewer' || role === 'commenter' || role === 'editor' || role === 'owner')) {
      return { type, role, reason };
    }
    return null;
  } catch {
    return null;
  }
}

const isSeq = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

function parseRestored(text: string): TandemRestored | null {
  try {
    const raw: unknown = JSON.parse(text);
    if (typeof raw !== 'object' || raw === null) return null;
    const { by, restoredFrom, fromAt, versionName, undoSeq, at } = raw as Record<string, unknown>;
    if (typeof by !== 'object' || by === null) return null;
    const { userId, name, color } = by as Record<string, unknown>;
    if (typeof userId !== 'string' || typeof name !== 'string' || typeof color !== 'string') return null;
    if (!isSeq(restoredFrom) || !isSeq(undoSeq) || !isSeq(at) || !(fromAt === null || isSeq(fromAt))) return null;
    if (versionName !== null && typeof versionName !== 'string') return null;
    // Rebuilt field by field: nothing but the declared fields crosses the boundary.
    return { by: { userId, name, color }, restoredFrom, fromAt, versionName, undoSeq, at };
  } catch {
    return null;
  }
}

export function assertNever(value: never): never {
  throw new Error(`unexpected variant: ${JSON.stringify(value)}`);
}
