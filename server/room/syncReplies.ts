/**
 * Sync step 2 replies that cost no memory per socket.
 *
 * Encoding `encodeSyncStep2(doc, stateVector)` for every sync step 1 gives each asking socket its own copy
 * of the document: 30 sockets that send a 4-byte empty state vector and never read made the server queue
 * 30 copies of a 63 MiB document (+1.96 GB). Instead, a replica that is far behind gets ONE full-state frame
 * encoded once and shared (the same bytes for every socket; ws does not copy an unmasked frame's payload per
 * socket), preceded by the update frames the room has broadcast since that frame was encoded (also shared:
 * they are the very frames every peer was sent; sent first so that the replica is complete when its step 2
 * arrives, see `framesOf`). Only a replica that is nearly current gets a frame of its
 * own, and that frame is small by construction (MAX_PER_CALLER_REPLY_BYTES).
 *
 * A snapshot may also be built from the durable state (the stored document) while the live document holds
 * updates not yet durable: see `beginDurableSnapshot`.
 *
 * Correctness rests on one invariant, which the room provides: the snapshot is encoded, and `reply()` is
 * called, only while every update applied to the doc is durable and has been broadcast (nothing pending),
 * and every update the room applies afterwards reaches `noteBroadcast` once it is broadcast. Then
 *   snapshot (the doc at encoding time) + every frame broadcast since = the doc now,
 * so a far-behind replica ends exactly at the doc's state, and no reply ever carries unstored state.
 *
 * Memory: the snapshot and its tail are held strongly only while in use (SNAPSHOT_IDLE_MS after the last
 * reply that used it); after that only weakly, so a snapshot still sitting in some socket's send queue is
 * reused instead of encoded a second time, and one nobody holds any more is left to the garbage collector.
 */
import * as Y from 'yjs';
import { encodeSyncStep2, encodeSyncStep2Update, encodeSyncUpdate } from '../../shared/protocol/frames.js';
import { decodeFrame } from './decodeFrame.js';

/** A replica missing more than this many clocks (≈ characters of text; one per embed, attribute or map
 *  value) is answered with the shared full state. Below it a diff of its own is cheap to encode (milliseconds)
 *  and small (about 1–3 MiB of text at most); above it the replica is re-downloading a large part of the
 *  document anyway, and the shared frame costs bandwidth but no memory per socket. */
export const FAR_BEHIND_MISSING_CLOCKS = 1024 * 1024;

/** Largest per-caller diff ever queued. Clocks do not bound bytes (one attribute or map value is one clock
 *  of any size), so a diff that turns out larger than this is discarded and the shared frames are sent
 *  instead: every frame bigger than this that a reply queues is then one shared by every socket. */
export const MAX_PER_CALLER_REPLY_BYTES = 4 * 1024 * 1024;

/** The tail may grow to max(TAIL_MIN_BYTES, snapshot bytes × TAIL_SHARE) before the snapshot is dropped and
 *  the next far-behind reply re-encodes. Encoding costs time proportional to the document (about a second
 *  for 64 MiB), so it is paid at most once per this much edited data, never once per keystroke, however
 *  often step 1 is sent; and a far-behind replica downloads at most 25% (or 1 MiB) more than a fresh
 *  snapshot would have cost it. */
export const TAIL_MIN_BYTES = 1024 * 1024;
export const TAIL_SHARE = 0.25;

/** Every TAIL_BATCH_FRAMES broadcast frames in the tail are merged into one frame (Y.mergeUpdates, time
 *  proportional to those frames' bytes). Each frame a reply queues costs a WebSocket header, a stream write
 *  request and a Buffer view per socket that `bufferedAmount` does not count, and each frame held here costs
 *  an object of its own; merging keeps both at ≤ TAIL_BATCH_FRAMES + MAX_TAIL_BATCHES frames per reply
 *  instead of one per keystroke. */
export const TAIL_BATCH_FRAMES = 256;

/** Merged batches after which the snapshot is dropped and re-encoded on next need (65,536 updates): keeps
 *  the frame count of a reply bounded even when every update is tiny and the byte bound is far away. */
export const MAX_TAIL_BATCHES = 256;

/** How long a snapshot stays strongly held after the last reply that used it: long enough to serve a
 *  reconnect storm (every client of a room after a restart or network blip, spread over seconds by their
 *  backoff) from one encoding; short enough that an idle room does not keep a second copy of its document. */
export const SNAPSHOT_IDLE_MS = 30_000;

export interface SyncReplyLimits {
  farBehindMissingClocks: number;
  maxPerCallerReplyBytes: number;
  tailMinBytes: number;
  tailShare: number;
  tailBatchFrames: number;
  maxTailBatches: number;
  snapshotIdleMs: number;
}

export const DEFAULT_SYNC_REPLY_LIMITS: Readonly<SyncReplyLimits> = Object.freeze({
  farBehindMissingClocks: FAR_BEHIND_MISSING_CLOCKS,
  maxPerCallerReplyBytes: MAX_PER_CALLER_REPLY_BYTES,
  tailMinBytes: TAIL_MIN_BYTES,
  tailShare: TAIL_SHARE,
  tailBatchFrames: TAIL_BATCH_FRAMES,
  maxTailBatches: MAX_TAIL_BATCHES,
  snapshotIdleMs: SNAPSHOT_IDLE_MS,
});

/** An encoded empty state vector (zero clients): "I have nothing", i.e. ask for the full state. */
const EMPTY_STATE_VECTOR = new Uint8Array([0]);

interface Snapshot {
  /** The full-state sync step 2 frame; null once released after SNAPSHOT_IDLE_MS (see `memory`). */
  frame: Uint8Array | null;
  /** The frame's memory, held weakly: alive as long as any socket's send queue still holds the frame. */
  memory: WeakRef<ArrayBufferLike>;
  byteOffset: number;
  byteLength: number;
  /** Tail bytes past which re-encoding is cheaper than shipping the tail. */
  tailLimit: number;
  /** Merged frames of TAIL_BATCH_FRAMES broadcasts each, oldest first; all older than `recent`. */
  batches: Uint8Array[];
  /** Frames broadcast since the last merge, in broadcast order. */
  recent: Uint8Array[];
  /** Bytes of `batches` and `recent`. */
  tailBytes: number;
}

export class SharedSyncReplies {
  private readonly limits: SyncReplyLimits;
  private snapshot: Snapshot | null = null;
  /** Tails of snapshots being built from durable state (see `beginDurableSnapshot`), fed by noteBroadcast. */
  private readonly buildingTails = new Set<Uint8Array[]>();
  private idleTimer: ReturnType<typeof setTimeout> | null = null;
  private destroyed = false;

  constructor(
    private readonly doc: Y.Doc,
    limits: Partial<SyncReplyLimits> = {},
  ) {
    this.limits = { ...DEFAULT_SYNC_REPLY_LIMITS, ...limits };
  }

  /**
   * The frames answering a sync step 1 carrying `stateVector` (already validated by the frame decoder), to
   * be sent in order.
   *
   * A replica far behind (empty vector, missing at least half of the document's clocks, or more than
   * FAR_BEHIND_MISSING_CLOCKS) gets the shared full-state frame (the same Uint8Array for every caller while
   * it is retained, the same memory always) after the shared update frames broadcast since it was
   * encoded. A nearly-current replica gets one small frame of its own, `encodeSyncStep2(doc, stateVector)`.
   *
   * Precondition: every update applied to the doc so far is durable and has been passed to `noteBroadcast`
   * (the room calls this right after `whenDurable()`, in the same synchronous step as its liveness check).
   * Otherwise the shared frames could miss an update, or a new snapshot could carry one not yet stored.
   */
  reply(stateVector: Uint8Array): Uint8Array[] {
    if (!this.isFarBehind(Y.decodeStateVector(stateVector))) {
      const diff = encodeSyncStep2(this.doc, stateVector);
      if (diff.length <= this.limits.maxPerCallerReplyBytes) return [diff];
      // Few clocks but many bytes (large attribute or map values): not worth a copy per socket.
    }
    if (this.destroyed) return [encodeSyncStep2(this.doc, EMPTY_STATE_VECTOR)];
    return this.replyFromSnapshot() ?? this.framesOf(this.encodeSnapshot());
  }

  /**
   * The shared frames alone (snapshot and the durable updates after it), for a moment when the live
   * document also holds updates that are not durable yet, which a reply must never carry. Null when there
   * is no snapshot to serve from; the caller waits for a durable moment instead.
   */
  replyFromSnapshot(): Uint8Array[] | null {
    if (this.destroyed) return null;
    const snapshot = this.usableSnapshot();
    return snapshot ? this.framesOf(snapshot) : null;
  }

  /**
   * Starts a shared snapshot of the durable state, for when the live document holds updates not yet durable
   * and there is no snapshot to serve from: under constant editing there may never be a moment when
   * everything is durable, and a reply must not wait for one. Frames broadcast from this call on are kept;
   * `install` takes the full durable state read AFTER this call (the stored document) and returns the frames
   * to send; `cancel` stops keeping frames when there is nothing to install. Every update broadcast before the read is durable, so in that state; every
   * one broadcast after this call is in the tail; the overlap is harmless (Yjs skips what it has).
   */
  beginDurableSnapshot(): { install(durableState: Uint8Array): Uint8Array[]; cancel(): void } {
    const tail: Uint8Array[] = [];
    this.buildingTails.add(tail);
    const cancel = (): void => {
      this.buildingTails.delete(tail);
    };
    const install = (durableState: Uint8Array): Uint8Array[] => {
      cancel();
      // One may have been encoded meanwhile (a durable moment came): it serves as well, and is shared.
      const existing = this.replyFromSnapshot();
      if (existing || this.destroyed) return existing ?? [...tail, encodeSyncStep2Update(durableState)];
      const frame = encodeSyncStep2Update(durableState);
      const snapshot = this.adoptSnapshot(frame);
      for (const broadcast of tail) if (this.snapshot === snapshot) this.appendToTail(snapshot, broadcast);
      // A tail too long for the snapshot dropped it again: this reply still has every frame it needs.
      return this.snapshot === snapshot ? this.framesOf(snapshot) : [...tail, frame];
    };
    return { install, cancel };
  }

  /**
   * Adopts `state`, a full state update equal to the document right now (the stored checkpoint a room has
   * just loaded, with nothing after it), as the shared snapshot, unless one exists. Framing those bytes
   * costs a copy; encoding the document would cost time proportional to its history (the largest part of a
   * cold open's first reply after integrating the checkpoint).
   */
  adoptCurrentState(state: Uint8Array): void {
    if (this.destroyed || this.snapshot) return;
    this.adoptSnapshot(encodeSyncStep2Update(state));
    this.keepUntilIdle();
  }

  /**
   * The tail first, the full state last. A stock client counts itself synced at the sync step 2 and may read
   * the document right then (the stock server's step 2 holds everything): the tail's updates, which depend
   * on the snapshot, wait in Yjs as pending structs until the step 2 arrives and are integrated with it, so
   * at "synced" the replica has all of it.
   */
  private framesOf(snapshot: Snapshot): Uint8Array[] {
    const frame = snapshot.frame ?? this.readopt(snapshot);
    this.keepUntilIdle();
    return [...snapshot.batches, ...snapshot.recent, frame];
  }

  /**
   * The room broadcast this durable update frame (encoded with `encodeSyncUpdate`) to its peers: append it
   * to the tail of the current snapshot, if there is one (otherwise the next snapshot will contain it).
   * Pass the very object sent to the peers, so the tail shares its memory. Must be called for every update
   * the room broadcasts, in broadcast order.
   */
  noteBroadcast(frame: Uint8Array): void {
    for (const tail of this.buildingTails) tail.push(frame);
    const snapshot = this.usableSnapshot();
    if (snapshot) this.appendToTail(snapshot, frame);
  }

  private appendToTail(snapshot: Snapshot, frame: Uint8Array): void {
    snapshot.recent.push(frame);
    snapshot.tailBytes += frame.length;
    if (snapshot.tailBytes > snapshot.tailLimit) {
      this.invalidate();
      return;
    }
    if (snapshot.recent.length < this.limits.tailBatchFrames) return;
    if (snapshot.batches.length >= this.limits.maxTailBatches) {
      this.invalidate();
      return;
    }
    const merged = mergeUpdateFrames(snapshot.recent);
    if (!merged) {
      // Not a sync update frame: a caller's bug. Stop trusting the tail rather than send something odd.
      this.invalidate();
      return;
    }
    snapshot.tailBytes += merged.length - sumBytes(snapshot.recent);
    snapshot.batches.push(merged);
    snapshot.recent = [];
  }

  /** Drops the snapshot and its tail (e.g. the room changed the document outside the broadcast path, or
   *  memory is short); the next far-behind reply encodes a new one. */
  invalidate(): void {
    this.snapshot = null;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  /** Releases everything; later replies are encoded per call and nothing is retained. */
  destroy(): void {
    this.destroyed = true;
    this.buildingTails.clear();
    this.invalidate();
  }

  /** Bytes held strongly right now (snapshot frame, while retained, plus tail), e.g. for a gauge. */
  get retainedBytes(): number {
    const snapshot = this.snapshot;
    if (!snapshot) return 0;
    return (snapshot.frame ? snapshot.frame.length : 0) + snapshot.tailBytes;
  }

  /** Whether answering `remote` with a diff of its own would cost about as much as the whole document.
   *  Decided from state vectors alone, without encoding anything. Clients the doc does not know are
   *  ignored (the diff ignores them too). */
  private isFarBehind(remote: Map<number, number>): boolean {
    if (remote.size === 0) return true;
    const local = Y.decodeStateVector(Y.encodeStateVector(this.doc));
    let total = 0;
    let missing = 0;
    for (const [client, clock] of local) {
      total += clock;
      missing += Math.max(0, clock - (remote.get(client) ?? 0));
    }
    if (missing === 0) return false;
    return missing * 2 >= total || missing > this.limits.farBehindMissingClocks;
  }

  /** The current snapshot, unless its memory is gone (released and collected): then nothing. */
  private usableSnapshot(): Snapshot | null {
    const snapshot = this.snapshot;
    if (!snapshot) return null;
    if (snapshot.frame === null && snapshot.memory.deref() === undefined) {
      this.invalidate();
      return null;
    }
    return snapshot;
  }

  private encodeSnapshot(): Snapshot {
    return this.adoptSnapshot(encodeSyncStep2(this.doc, EMPTY_STATE_VECTOR));
  }

  /** Makes `frame` (a full-state sync step 2) the shared snapshot, with an empty tail. */
  private adoptSnapshot(frame: Uint8Array): Snapshot {
    const snapshot: Snapshot = {
      frame,
      memory: new WeakRef(frame.buffer),
      byteOffset: frame.byteOffset,
      byteLength: frame.byteLength,
      tailLimit: Math.max(this.limits.tailMinBytes, frame.length * this.limits.tailShare),
      batches: [],
      recent: [],
      tailBytes: 0,
    };
    this.snapshot = snapshot;
    return snapshot;
  }

  /** A released snapshot whose memory is still alive (some socket still holds it): hold it again. */
  private readopt(snapshot: Snapshot): Uint8Array {
    const memory = snapshot.memory.deref();
    // usableSnapshot() checked it in this same synchronous step, and a deref'd target lives until the end of
    // the current job, so it cannot be gone here.
    if (memory === undefined) throw new Error('sync snapshot memory vanished');
    snapshot.frame = new Uint8Array(memory, snapshot.byteOffset, snapshot.byteLength);
    return snapshot.frame;
  }

  private keepUntilIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      // Only the strong reference goes: the weak one keeps serving while a socket still holds the bytes.
      if (this.snapshot) this.snapshot.frame = null;
    }, this.limits.snapshotIdleMs);
    this.idleTimer.unref();
  }
}

/** One sync update frame carrying the merge of the updates in `frames` (sync update frames), or null if one
 *  of them is not a sync update frame. */
function mergeUpdateFrames(frames: readonly Uint8Array[]): Uint8Array | null {
  const updates: Uint8Array[] = [];
  for (const frame of frames) {
    const decoded = decodeFrame(frame);
    if (!decoded.ok || decoded.value.type !== 'syncUpdate') return null;
    updates.push(decoded.value.update);
  }
  return encodeSyncUpdate(Y.mergeUpdates(updates));
}

function sumBytes(frames: readonly Uint8Array[]): number {
  let bytes = 0;
  for (const frame of frames) bytes += frame.length;
  return bytes;
}
