/**
 * A deterministic in-memory network speaking the real y-websocket wire format (message type 0 +
 * y-protocols sync step1/step2/update), on a virtual clock, driven by one PRNG.
 *
 * Topology mirrors production: a hub ("server", a plain Y.Doc that relays every update it
 * integrates) and client endpoints; peer links between clients model BroadcastChannel between tabs.
 * Relaying follows the stock provider exactly: a client sends only updates that did not come in
 * over one of its own links (y-websocket never forwards ws ↔ BroadcastChannel), the hub relays
 * everything to every other link.
 *
 * Faults: per-message latency+jitter (reordering unless the link is FIFO like TCP), duplication,
 * loss, black-holed links with held messages, link resets. Loss models what a real socket does
 * when bytes go missing: the connection breaks, the provider reconnects and redoes the handshake.
 * `resyncAfterLoss: false` is the deliberate sabotage used to prove the checks can fail.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import type * as Y from 'yjs';
import { MessageType } from '../../shared/protocol/messages.js';
import type { Prng } from './prng.js';
import { encodeSyncStep1, encodeSyncUpdate } from '../../shared/protocol/frames.js';

export interface NetworkProfile {
  latency: number;
  jitter: number;
  /** Deliver each direction in send order (a TCP socket); false lets jitter reorder messages. */
  fifo: boolean;
  lossRate: number;
  duplicateRate: number;
  /** How long a broken connection takes to be noticed and redialled (virtual ms). */
  reconnectDelay: number;
  /** Sabotage switch: when false a lost message is silently gone, with no reconnect. */
  resyncAfterLoss: boolean;
}

/**
 * How an endpoint forwards updates that arrived over one of its links:
 *  - `none`: never (a stock client: y-websocket does not forward ws ↔ BroadcastChannel);
 *  - `all`: to every link, the origin included (the stock @y/websocket-server hub). The echo
 *    matters: an update from link L can complete structs the hub held as pending, and the
 *    resulting update event (origin L) then carries content L has never seen;
 *  - `allButOrigin`: the tempting optimisation that loses exactly that content (seed 153).
 */
export type RelayPolicy = 'none' | 'all' | 'allButOrigin';

export class Endpoint {
  readonly links = new Set<Link>();
  /** Told when a connection's handshake completes here (sync step 2 received) and when a link goes
   *  down: what makes y-websocket's provider emit `synced` and clear it. */
  onSynced: ((link: Link) => void) | null = null;
  onDisconnected: ((link: Link) => void) | null = null;
  /** Runs after every message this endpoint integrates (the hub's server-side repairs hook in here). */
  afterApply: (() => void) | null = null;
  /** Sees every update (sync step 2 or update) before this endpoint applies it (the hub's server-side checks). */
  beforeApply: ((update: Uint8Array) => void) | null = null;
  private doc: Y.Doc | null = null;
  private readonly onUpdate = (update: Uint8Array, origin: unknown): void => {
    const fromLink = origin instanceof Link && this.links.has(origin);
    if (fromLink && this.relay === 'none') return;
    const message = encodeSyncUpdate(update);
    for (const link of this.links) {
      if (link === origin && this.relay === 'allButOrigin') continue;
      link.send(this, message);
    }
  };

  constructor(
    readonly name: string,
    readonly relay: RelayPolicy,
  ) {}

  get currentDoc(): Y.Doc | null {
    return this.doc;
  }

  attach(doc: Y.Doc): void {
    this.detach();
    this.doc = doc;
    doc.on('update', this.onUpdate);
  }

  detach(): void {
    this.doc?.off('update', this.onUpdate);
    this.doc = null;
  }
}

interface Message {
  at: number;
  seq: number;
  link: Link;
  epoch: number;
  to: Endpoint;
  bytes: Uint8Array;
}

type Timer = { at: number; seq: number; run: () => void };

export { encodeSyncUpdate };

/** A connection between two endpoints. `epoch` changes on every reset so in-flight bytes of a dead
 *  connection are never delivered on its successor, exactly like a closed socket. */
export class Link {
  up = false;
  epoch = 0;
  blackholed = false;
  /** Messages sent into a black hole; delivered if the connection survives, dropped if it resets. */
  private held: { from: Endpoint; bytes: Uint8Array }[] = [];
  private lastArrival = new Map<Endpoint, number>();
  /** Epoch for which a loss-triggered reset is already scheduled (one reset per connection). */
  private resetScheduledFor = -1;
  /** Ends that received sync step 2 on the current connection. */
  private readonly syncedEnds = new Set<Endpoint>();

  constructor(
    readonly net: Network,
    readonly a: Endpoint,
    readonly b: Endpoint,
  ) {
    a.links.add(this);
    b.links.add(this);
  }

  get name(): string {
    return `${this.a.name}↔${this.b.name}`;
  }

  other(end: Endpoint): Endpoint {
    return end === this.a ? this.b : this.a;
  }

  /** Opens the connection and runs the handshake: both sides send sync step 1. */
  connect(): void {
    if (this.up || !this.a.currentDoc || !this.b.currentDoc) return;
    this.up = true;
    this.epoch++;
    this.lastArrival.clear();
    this.send(this.a, encodeSyncStep1(this.a.currentDoc));
    this.send(this.b, encodeSyncStep1(this.b.currentDoc));
  }

  disconnect(): void {
    if (!this.up) return;
    this.up = false;
    this.epoch++;
    this.held = [];
    this.blackholed = false;
    this.syncedEnds.clear();
    this.a.onDisconnected?.(this);
    this.b.onDisconnected?.(this);
  }

  /** The connection broke: it closes now and the client redials after `reconnectDelay`. */
  reset(): void {
    this.disconnect();
    this.net.after(this.net.profile.reconnectDelay, () => this.net.maybeConnect(this));
  }

  send(from: Endpoint, bytes: Uint8Array): void {
    if (!this.up) return;
    if (this.blackholed) {
      this.held.push({ from, bytes });
      return;
    }
    const { prng, profile } = this.net;
    if (this.net.faultsEnabled && prng.chance(profile.lossRate)) {
      this.net.stats.lost++;
      // Keyed by epoch: a loss on a newer connection needs its own reset even if an older
      // connection's reset is still pending (a boolean flag here once left a loss unrepaired).
      if (profile.resyncAfterLoss && this.resetScheduledFor !== this.epoch) {
        const epoch = (this.resetScheduledFor = this.epoch);
        this.net.after(profile.reconnectDelay, () => {
          if (this.epoch === epoch) this.reset();
        });
      }
      return;
    }
    this.enqueue(from, bytes);
    if (this.net.faultsEnabled && prng.chance(profile.duplicateRate)) {
      this.net.stats.duplicated++;
      this.enqueue(from, bytes);
    }
  }

  private enqueue(from: Endpoint, bytes: Uint8Array): void {
    const { prng, profile } = this.net;
    const to = this.other(from);
    let at = this.net.now + profile.latency + prng.int(0, profile.jitter);
    if (profile.fifo) at = Math.max(at, this.lastArrival.get(to) ?? 0);
    this.lastArrival.set(to, at);
    this.net.schedule({ at, seq: 0, link: this, epoch: this.epoch, to, bytes });
  }

  /** Heals a black hole: either the socket survived (held bytes flow in order) or it timed out. */
  heal(survived: boolean): void {
    if (!this.blackholed) return;
    this.blackholed = false;
    const held = this.held;
    this.held = [];
    if (!survived) {
      this.reset();
      return;
    }
    for (const { from, bytes } of held) this.enqueue(from, bytes);
  }

  deliver(message: Message): void {
    if (!this.up || message.epoch !== this.epoch) return;
    const doc = message.to.currentDoc;
    if (!doc) return;
    const decoder = decoding.createDecoder(message.bytes);
    const type = decoding.readVarUint(decoder);
    if (type !== MessageType.sync) throw new Error(`unexpected message type ${type} on ${this.name}`);
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MessageType.sync);
    // Origin = this link, as y-websocket passes the provider: the relay rule in Endpoint keys on it.
    // y-protocols catches exceptions thrown by update observers (the editor binding) and only logs
    // them; the stock provider passes no handler. Collect them: a throwing binding is a bug.
    if (message.to.beforeApply) {
      const peek = decoding.clone(decoder);
      const syncKind = decoding.readVarUint(peek);
      if (syncKind !== syncProtocol.messageYjsSyncStep1) message.to.beforeApply(decoding.readVarUint8Array(peek));
    }
    const kind = syncProtocol.readSyncMessage(decoder, encoder, doc, this, (error) => {
      this.net.errors.push(`${message.to.name} failed to apply an update from ${this.other(message.to).name}: ${error.stack ?? error.message}`);
    });
    this.net.stats.delivered++;
    message.to.afterApply?.();
    if (kind === syncProtocol.messageYjsSyncStep2 && !this.syncedEnds.has(message.to)) {
      this.syncedEnds.add(message.to);
      message.to.onSynced?.(this);
    }
    if (encoding.length(encoder) > 1) this.send(message.to, encoding.toUint8Array(encoder));
  }
}

export interface NetworkStats {
  delivered: number;
  lost: number;
  duplicated: number;
}

export class Network {
  now = 0;
  faultsEnabled = true;
  readonly stats: NetworkStats = { delivered: 0, lost: 0, duplicated: 0 };
  /** Exceptions raised while applying received updates (y-protocols would only log them). */
  readonly errors: string[] = [];
  readonly links: Link[] = [];
  /** Links a test wants closed (client offline); `maybeConnect` leaves them down. */
  readonly heldDown = new Set<Link>();
  private queue: (Message | Timer)[] = [];
  private seq = 0;

  constructor(
    readonly prng: Prng,
    readonly profile: NetworkProfile,
  ) {}

  link(a: Endpoint, b: Endpoint): Link {
    const link = new Link(this, a, b);
    this.links.push(link);
    return link;
  }

  maybeConnect(link: Link): void {
    if (!this.heldDown.has(link)) link.connect();
  }

  schedule(item: Message | Timer): void {
    item.seq = ++this.seq;
    // Sorted insert from the back: most items land at or near the end.
    let i = this.queue.length;
    while (i > 0) {
      const prev = this.queue[i - 1]!;
      if (prev.at < item.at || (prev.at === item.at && prev.seq < item.seq)) break;
      i--;
    }
    this.queue.splice(i, 0, item);
  }

  after(delay: number, run: () => void): void {
    this.schedule({ at: this.now + delay, seq: 0, run });
  }

  get idle(): boolean {
    return this.queue.length === 0;
  }

  /** Delivers everything due up to `time`, advancing the clock. */
  runUntil(time: number): void {
    while (this.queue.length > 0 && this.queue[0]!.at <= time) this.step();
    this.now = Math.max(this.now, time);
  }

  /** Runs until nothing is in flight. Throws if it never quiesces (a sync loop is a bug too). */
  settle(maxEvents = 200_000): void {
    let n = 0;
    while (this.queue.length > 0) {
      if (++n > maxEvents) throw new Error(`network did not quiesce after ${maxEvents} events`);
      this.step();
    }
  }

  private step(): void {
    const item = this.queue.shift()!;
    this.now = Math.max(this.now, item.at);
    if ('run' in item) item.run();
    else item.link.deliver(item);
  }
}
