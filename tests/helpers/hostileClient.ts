/**
 * A hostile peer for integration tests: a raw socket that speaks the y-websocket protocol by hand (so it
 * answers, or does not answer, exactly what the test decides), and the means to forge what it sends:
 * updates written under a chosen clientID, updates that skip clocks (only the later of two edits), and
 * delete ranges on clocks nobody wrote. Everything a stock client would do on its own (reply to a sync
 * step 1, relay awareness) is left to the test.
 */
import { EventEmitter } from 'node:events';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { type AwarenessEntry, decodeAwarenessUpdate, encodeAwarenessUpdate } from '../../shared/protocol/awarenessWire.js';
import { encodeAwarenessFrame, encodeSyncUpdate } from '../../shared/protocol/frames.js';
import { decodeTandemBody, MessageType, TANDEM_OPT_IN_PARAM, type TandemMessage } from '../../shared/protocol/messages.js';
import { nextEvent, type Subscribable, waitUntil } from './wait.js';

/** y-protocols/sync message kinds. */
const SyncKind = { step1: 0, step2: 1, update: 2 } as const;

/** One frame the server sent, decoded. */
export type ServerFrame =
  | { type: 'syncStep1'; stateVector: Map<number, number> }
  | { type: 'syncStep2'; update: Uint8Array }
  | { type: 'syncUpdate'; update: Uint8Array }
  | { type: 'awareness'; entries: AwarenessEntry[] }
  | { type: 'tandem'; message: TandemMessage }
  | { type: 'unknown'; bytes: Uint8Array };

export interface CloseEvent {
  code: number;
  reason: string;
}

/** How the server ended a hostile connection: the close, and the `updateRefused` notice sent before it. */
export interface Refusal extends CloseEvent {
  notice: string | null;
}

export function decodeServerFrame(bytes: Uint8Array): ServerFrame {
  const decoder = decoding.createDecoder(bytes);
  const type = decoding.readVarUint(decoder);
  if (type === MessageType.sync) {
    const kind = decoding.readVarUint(decoder);
    const payload = decoding.readVarUint8Array(decoder);
    if (kind === SyncKind.step1) return { type: 'syncStep1', stateVector: Y.decodeStateVector(payload) };
    if (kind === SyncKind.step2) return { type: 'syncStep2', update: payload };
    if (kind === SyncKind.update) return { type: 'syncUpdate', update: payload };
  } else if (type === MessageType.awareness) {
    const decoded = decodeAwarenessUpdate(decoding.readVarUint8Array(decoder));
    if (decoded.ok) return { type: 'awareness', entries: decoded.value };
  } else if (type === MessageType.tandem) {
    const decoded = decodeTandemBody(decoder);
    if (decoded.ok) return { type: 'tandem', message: decoded.value };
  }
  return { type: 'unknown', bytes };
}

function syncFrame(kind: number, payload: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.sync);
  encoding.writeVarUint(encoder, kind);
  encoding.writeVarUint8Array(encoder, payload);
  return encoding.toUint8Array(encoder);
}

/**
 * A connection that only does what it is told. Whatever the server sends is recorded in `frames`; sync
 * step 2 replies and relayed updates are applied to `mirror`, the document as the server showed it to
 * this connection (the base an attacker forges from).
 */
export class HostileClient {
  readonly frames: ServerFrame[] = [];
  readonly mirror = new Y.Doc();
  /** Set once the socket has closed. */
  closeEvent: CloseEvent | null = null;
  readonly closed: Promise<CloseEvent>;
  private readonly events = new EventEmitter();

  private constructor(readonly socket: WebSocket) {
    this.events.setMaxListeners(100);
    this.closed = new Promise((resolve) =>
      socket.once('close', (code, reason) => {
        this.closeEvent = { code, reason: reason.toString() };
        resolve(this.closeEvent);
        this.events.emit('change');
      }),
    );
    socket.on('error', () => undefined);
    socket.on('message', (data: WebSocket.RawData) => {
      const bytes = data instanceof Buffer ? new Uint8Array(data) : new Uint8Array(Buffer.concat(data as Buffer[]));
      const frame = decodeServerFrame(bytes);
      this.frames.push(frame);
      if (frame.type === 'syncStep2' || frame.type === 'syncUpdate') Y.applyUpdate(this.mirror, frame.update, 'server');
      this.events.emit('change');
    });
  }

  /**
   * Opens `/collab/<docName>` with `token` (opted into Tandem notices unless `optIn` is false) and waits
   * for the server's greeting (its sync step 1, sent once the room is live). Sends nothing itself.
   */
  static async connect(baseUrl: string, docName: string, token: string, { optIn = true } = {}): Promise<HostileClient> {
    const params = new URLSearchParams({ token });
    if (optIn) params.set(TANDEM_OPT_IN_PARAM, '1');
    const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/collab/${docName}?${params}`);
    const client = new HostileClient(socket);
    await Promise.race([nextEvent(socket as never, 'open'), client.closed]);
    await client.waitFor(() => client.count('syncStep1') > 0 || client.closeEvent !== null, 'the server greets the hostile socket');
    if (client.closeEvent) throw new Error(`hostile socket closed on admission: ${client.closeEvent.code} ${client.closeEvent.reason}`);
    return client;
  }

  get open(): boolean {
    return this.closeEvent === null && this.socket.readyState === WebSocket.OPEN;
  }

  send(frame: Uint8Array): void {
    this.socket.send(frame);
  }

  /** A sync update (message 0, kind 2), as a stock client sends every local change. */
  sendUpdate(update: Uint8Array): void {
    this.send(encodeSyncUpdate(update));
  }

  /** A sync step 2 (message 0, kind 1), as a stock client answers a sync step 1. */
  sendStep2(update: Uint8Array): void {
    this.send(syncFrame(SyncKind.step2, update));
  }

  sendStep1(stateVector: Uint8Array = Y.encodeStateVector(this.mirror)): void {
    this.send(syncFrame(SyncKind.step1, stateVector));
  }

  sendAwareness(entries: AwarenessEntry[]): void {
    this.send(encodeAwarenessFrame(encodeAwarenessUpdate(entries)));
  }

  count(type: ServerFrame['type']): number {
    return this.frames.filter((frame) => frame.type === type).length;
  }

  /** Resolves once `check()` holds, re-checked on every frame and on close. */
  waitFor(check: () => boolean, description: string, timeoutMs = 10_000): Promise<void> {
    return waitUntil(check, [[this.events as unknown as Subscribable, 'change']], description, timeoutMs, () => ({
      frames: this.frames.map((frame) => frame.type),
      closed: this.closeEvent,
    }));
  }

  /** Asks for the server's document (sync step 1 with the mirror's state vector) and waits for the reply. */
  async pull(): Promise<void> {
    const before = this.count('syncStep2');
    this.sendStep1();
    await this.waitFor(() => this.count('syncStep2') > before || this.closeEvent !== null, 'the server answers sync step 1');
    if (this.closeEvent) throw new Error(`closed while pulling: ${this.closeEvent.code} ${this.closeEvent.reason}`);
  }

  /**
   * Sends `update` and waits for the server's answer: 'resync' when it replies with its own sync step 1
   * (it lacks what the update depends on), 'closed' when it closes the connection.
   */
  async sendAndAwaitVerdict(update: Uint8Array, how: 'update' | 'step2' = 'update'): Promise<'resync' | 'closed'> {
    const before = this.count('syncStep1');
    if (how === 'update') this.sendUpdate(update);
    else this.sendStep2(update);
    await this.waitFor(() => this.count('syncStep1') > before || this.closeEvent !== null, 'the server answers the hostile update');
    return this.closeEvent ? 'closed' : 'resync';
  }

  /** The server's latest sync step 1 (its state vector). */
  lastStep1(): Map<number, number> | undefined {
    const found = this.frames.filter((frame): frame is Extract<ServerFrame, { type: 'syncStep1' }> => frame.type === 'syncStep1');
    return found.at(-1)?.stateVector;
  }

  /** Every awareness state the server relayed, latest per clientID (null: removed). */
  awarenessStates(): Map<number, Record<string, unknown> | null> {
    const states = new Map<number, Record<string, unknown> | null>();
    for (const frame of this.frames) if (frame.type === 'awareness') for (const entry of frame.entries) states.set(entry.clientId, entry.state);
    return states;
  }

  /** The clientID whose relayed awareness state names user `name` (what any participant can see). */
  clientIdOf(name: string): number | undefined {
    for (const [clientId, state] of this.awarenessStates()) {
      const user = state?.user as { name?: unknown } | undefined;
      if (user?.name === name) return clientId;
    }
    return undefined;
  }

  /** Waits for the close; with the `updateRefused` notice's reason if the server sent one first. */
  async refusal(timeoutMs = 10_000): Promise<Refusal> {
    await this.waitFor(() => this.closeEvent !== null, 'the server closes the hostile socket', timeoutMs);
    const close = this.closeEvent as CloseEvent;
    const notices = this.frames.flatMap((frame) =>
      frame.type === 'tandem' && frame.message.kind === 'notice' && frame.message.notice.type === 'updateRefused' ? [frame.message.notice.reason] : [],
    );
    return { ...close, notice: notices.at(-1) ?? null };
  }

  close(): void {
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) this.socket.terminate();
    this.mirror.destroy();
  }
}

/** Transaction origin of the base state a Forger starts from (its updates are not the forger's edits). */
const BASE_ORIGIN = Symbol('forger base');

/**
 * A replica an attacker writes with under a clientID of their choosing (`doc.clientID = X`), starting from
 * `base` (typically `HostileClient.mirror`: the server's document). Each `edit` returns the update of that
 * one transaction, so the test decides which of them to send (or not): structs under X continue X's
 * clocks as the base has them, so forging under a victim's clientID writes at her next clocks.
 */
export class Forger {
  readonly doc = new Y.Doc();

  constructor(
    readonly clientID: number,
    base?: Y.Doc | Uint8Array,
  ) {
    if (base) Y.applyUpdate(this.doc, base instanceof Y.Doc ? Y.encodeStateAsUpdate(base) : base, BASE_ORIGIN);
    // Only after the base: Yjs gives a doc a new clientID when a remote update carries structs of its own.
    this.doc.clientID = clientID;
  }

  get fragment(): Y.XmlFragment {
    return this.doc.getXmlFragment('default');
  }

  /** The next clock this forger writes under its clientID. */
  get clock(): number {
    return Y.getState(this.doc.store, this.clientID);
  }

  /** Runs `change` in one transaction and returns its update (throws when it changed nothing). */
  edit(change: (fragment: Y.XmlFragment, doc: Y.Doc) => void): Uint8Array {
    let captured: Uint8Array | null = null;
    const capture = (update: Uint8Array, origin: unknown): void => {
      if (origin === BASE_ORIGIN) return;
      captured = captured ? Y.mergeUpdates([captured, update]) : update;
    };
    this.doc.on('update', capture);
    try {
      this.doc.transact(() => change(this.fragment, this.doc));
    } finally {
      this.doc.off('update', capture);
    }
    if (!captured) throw new Error('the forged edit changed nothing');
    return captured;
  }

  /**
   * An update with a hole in this client's clocks: `first` is made (and never sent), only `second`'s
   * update is returned, so its structs start past clocks the server never receives.
   */
  afterGap(first: (fragment: Y.XmlFragment, doc: Y.Doc) => void, second: (fragment: Y.XmlFragment, doc: Y.Doc) => void): { skipped: Uint8Array; update: Uint8Array } {
    const skipped = this.edit(first);
    return { skipped, update: this.edit(second) };
  }

  /** Everything this forger wrote beyond `base`'s state vector (what a sync step 2 to the server carries). */
  stateSince(stateVector: Uint8Array | Map<number, number>): Uint8Array {
    const vector = stateVector instanceof Map ? encodeStateVectorMap(stateVector) : stateVector;
    return Y.encodeStateAsUpdate(this.doc, vector);
  }

  destroy(): void {
    this.doc.destroy();
  }
}

export interface DeleteRange {
  client: number;
  clock: number;
  len: number;
}

/**
 * An update with no structs and only a delete set, hand-encoded (lib0, Yjs update v1): what no Yjs
 * encoder writes for clocks it does not have, and exactly what a hostile peer can send. Ranges of one
 * client are grouped, in the order given.
 */
export function deleteRangesUpdate(ranges: readonly DeleteRange[]): Uint8Array {
  const byClient = new Map<number, DeleteRange[]>();
  for (const range of ranges) byClient.set(range.client, [...(byClient.get(range.client) ?? []), range]);
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 0); // no struct runs
  encoding.writeVarUint(encoder, byClient.size);
  for (const [client, clientRanges] of byClient) {
    encoding.writeVarUint(encoder, client);
    encoding.writeVarUint(encoder, clientRanges.length);
    for (const { clock, len } of clientRanges) {
      encoding.writeVarUint(encoder, clock);
      encoding.writeVarUint(encoder, len);
    }
  }
  return encoding.toUint8Array(encoder);
}

/** The clock range [from, to) an update writes new structs in, per client. */
export function writtenClocks(update: Uint8Array): Map<number, { from: number; to: number }> {
  const { from, to } = Y.parseUpdateMeta(update);
  const ranges = new Map<number, { from: number; to: number }>();
  for (const [client, start] of from) ranges.set(client, { from: start, to: to.get(client) ?? start });
  return ranges;
}

/** Whether `doc` holds any struct written under `clientId`. */
export function hasClient(doc: Y.Doc, clientId: number): boolean {
  return Y.decodeStateVector(Y.encodeStateVector(doc)).has(clientId);
}

function encodeStateVectorMap(vector: Map<number, number>): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, vector.size);
  for (const [client, clock] of vector) {
    encoding.writeVarUint(encoder, client);
    encoding.writeVarUint(encoder, clock);
  }
  return encoding.toUint8Array(encoder);
}
