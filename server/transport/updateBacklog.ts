/**
 * Coalesces the document updates queued for a busy socket into one frame (issue #12: "when a socket is busy,
 * coalesce what is queued for it into one frame").
 *
 * A reader on a slow link (a phone on a train) in a busy room falls behind: every keystroke of everyone
 * else queues one frame for it, and each frame costs it a header, a parse and an apply. Once its socket is
 * busy (more than BUSY_SOCKET_BYTES waiting to be written, and the stream has asked for a drain), the
 * update frames meant for it are held instead, and when the socket drains they go out as one frame of
 * their merged updates, which Yjs makes smaller than their sum (a run of one person's keystrokes merges into
 * one item). Only update frames are held; awareness and protocol frames pass, so carets and locks stay
 * live, and a caret pointing at text not yet delivered resolves once it arrives (relative positions).
 *
 * Order among updates is kept: once anything is held, every later update is held behind it until the drain.
 * Memory: the held updates are the room's shared payloads (no copy); only the merged frame is this socket's
 * own, and the connection counts what is held against its send-queue bound.
 */
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import { encodeSyncUpdate } from '../../shared/protocol/frames.js';
import { MessageType } from '../../shared/protocol/messages.js';

/** Bytes waiting in a socket's queue past which it counts as busy: about a second of typing for a whole
 *  room, far more than a healthy reader ever has queued, well under the slow-consumer bound. */
export const BUSY_SOCKET_BYTES = 64 * 1024;

/** Held bytes past which they are merged and queued at once, busy or not: one merge never takes more than a
 *  few milliseconds of the event loop (merging is linear in its input), and what a slow reader is owed then
 *  waits in its socket's queue, where the slow-consumer bound sees it. */
export const MAX_HELD_BYTES = 1024 * 1024;

/** y-protocols sync message subtype of an update (sync step 1 is 0, step 2 is 1). */
const SYNC_UPDATE = 2;

/** The update a sync update frame carries (a view, no copy), or null for any other frame. */
export function updateOfFrame(frame: Uint8Array): Uint8Array | null {
  if (frame[0] !== MessageType.sync || frame[1] !== SYNC_UPDATE) return null;
  const decoder = decoding.createDecoder(frame);
  decoding.readVarUint(decoder);
  decoding.readVarUint(decoder);
  return decoding.readVarUint8Array(decoder);
}

export interface BusySocket {
  /** Bytes queued and not yet written out. */
  readonly bufferedAmount: number;
  /** Whether the stream has asked for a drain (it will emit one once its queue is written out). */
  readonly needsDrain: boolean;
  onceDrained(callback: () => void): void;
}

export class UpdateBacklog {
  private held: Uint8Array[] = [];
  /** Bytes of the held updates. */
  heldBytes = 0;

  constructor(
    private readonly socket: BusySocket,
    /** Writes the merged frame once the socket has drained; `count` updates went into it. */
    private readonly release: (frame: Uint8Array, count: number) => void,
  ) {}

  /** Holds `frame` if it is an update and the socket is busy (or updates are already held): true if held. */
  offer(frame: Uint8Array): boolean {
    if (this.held.length === 0 && !(this.socket.needsDrain && this.socket.bufferedAmount > BUSY_SOCKET_BYTES)) return false;
    const update = updateOfFrame(frame);
    if (!update) return false;
    this.held.push(update);
    this.heldBytes += update.length;
    if (this.heldBytes >= MAX_HELD_BYTES) this.flush();
    else if (this.held.length === 1) this.socket.onceDrained(() => this.flush());
    return true;
  }

  /** Drops what is held (the connection closed: the client resyncs on reconnect). */
  clear(): void {
    this.held = [];
    this.heldBytes = 0;
  }

  private flush(): void {
    const held = this.held;
    // A drain after a flush forced by MAX_HELD_BYTES finds nothing, or updates held since, whose own drain
    // listener is also registered: either way, sending what is held now is right.
    if (held.length === 0) return;
    this.clear();
    this.release(encodeSyncUpdate(held.length === 1 ? (held[0] as Uint8Array) : Y.mergeUpdates(held)), held.length);
  }
}
