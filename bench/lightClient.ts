/**
 * A light protocol-level connection for crowd benchmarks: a raw `ws` socket speaking just enough of the
 * y-websocket sync protocol, without a Y.Doc, so the bench process can hold thousands of them and the load
 * generator is not what is measured. It asks for the document once, answers the server's sync step 1 with
 * an empty step 2 (as an empty stock provider does), keeps every update it receives unapplied, and can set
 * its own awareness state (one clientID, as a stock provider has).
 */
import WebSocket from 'ws';
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import { encodeAwarenessFrame, encodeSyncStep1, encodeSyncStep2, encodeSyncUpdate } from '../shared/protocol/frames.js';
import { decodeAwarenessUpdate, encodeAwarenessUpdate } from '../shared/protocol/awarenessWire.js';

const EMPTY_DOC = new Y.Doc();

export class LightConnection {
  readonly updates: Uint8Array[] = [];
  /** False: drop received updates (a writer that only needs the initial state, to bound memory). */
  keepUpdates = true;
  awarenessFramesReceived = 0;
  /** The first peer clientID (isPeer) whose non-null awareness state reached this connection; decoding stops there. */
  firstPeerSeen: number | null = null;
  /** Set when the server closed the socket (not this side). */
  closedByServer: { code: number; reason: string } | null = null;
  /** Resolves when the server's sync step 2 (the whole document) has arrived. */
  readonly synced: Promise<void>;
  private awarenessClock = -1;
  private closing = false;
  private readonly socket: WebSocket;

  constructor(
    url: string,
    docName: string,
    token: string,
    readonly clientId: number,
    /** Which other clientIDs count for firstPeerSeen (e.g. the bench's own crowd, not the server's entry). */
    private readonly isPeer: (clientId: number) => boolean = () => true,
  ) {
    this.socket = new WebSocket(`${url.replace(/^http/, 'ws')}/collab/${docName}?token=${encodeURIComponent(token)}`);
    this.socket.binaryType = 'nodebuffer';
    let resolveSynced: () => void = () => undefined;
    let rejectSynced: (error: Error) => void = () => undefined;
    this.synced = new Promise((resolve, reject) => ((resolveSynced = resolve), (rejectSynced = reject)));
    this.synced.catch(() => undefined); // observed by callers that wait on it; never an unhandled rejection
    this.socket.once('open', () => this.socket.send(encodeSyncStep1(EMPTY_DOC)));
    this.socket.once('error', (error) => rejectSynced(error));
    this.socket.once('close', (code, reason) => {
      if (!this.closing) this.closedByServer = { code, reason: reason.toString() };
      rejectSynced(new Error(`closed before sync: ${code} ${reason.toString()}`));
    });
    this.socket.on('message', (data: Buffer) => {
      if (data[0] === 1) {
        this.awarenessFramesReceived++;
        if (this.firstPeerSeen === null) this.notePeer(data);
      }
      if (data[0] !== 0) return; // awareness and Tandem's own messages carry no updates
      const decoder = decoding.createDecoder(data);
      decoding.readVarUint(decoder);
      const kind = decoding.readVarUint(decoder);
      if (kind === 0) this.socket.send(encodeSyncStep2(EMPTY_DOC, decoding.readVarUint8Array(decoder)));
      else {
        if (this.keepUpdates) this.updates.push(decoding.readVarUint8Array(decoder));
        if (kind === 1) resolveSynced();
      }
    });
  }

  /** Sets (or renews: same state, next clock, as y-protocols does every 15 s) this connection's awareness state. */
  setAwareness(state: Record<string, unknown>): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    this.socket.send(encodeAwarenessFrame(encodeAwarenessUpdate([{ clientId: this.clientId, clock: ++this.awarenessClock, state }])));
  }

  /** Sends a document update (one made under this connection's clientID, as Tandem requires). */
  sendUpdate(update: Uint8Array): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(encodeSyncUpdate(update));
  }

  private notePeer(frame: Buffer): void {
    const decoder = decoding.createDecoder(frame);
    decoding.readVarUint(decoder);
    const entries = decodeAwarenessUpdate(decoding.readVarUint8Array(decoder));
    if (!entries.ok) return;
    const peer = entries.value.find((entry) => entry.clientId !== this.clientId && entry.state !== null && this.isPeer(entry.clientId));
    if (peer) this.firstPeerSeen = peer.clientId;
  }

  close(): void {
    this.closing = true;
    this.socket.close();
  }
}
