/**
 * Hostile clients against the prebuilt shared frames (server/transport/wireFrames.ts writes whole frames to
 * ws's raw socket, which is only safe while no extension is negotiated). A client that offers
 * permessage-deflate gets no extension; a client that sends a compressed (RSV1) frame anyway, or vanishes
 * halfway through a frame, loses only its own connection; the honest peers in the room keep receiving intact
 * frames (they converge on the text written after the attack).
 */
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { TandemServer } from '../../server/app.js';
import { Role } from '../../shared/auth.js';
import { editorToken, sharedBodyTexts, waitForDocumentText, waitSynced } from '../helpers/clients.js';
import { testScope } from '../helpers/scope.js';
import { nextEvent, type Subscribable } from '../helpers/wait.js';

const scope = testScope();

const collabUrl = (srv: TandemServer, doc: string, token: string): string => `${srv.url.replace(/^http/, 'ws')}/collab/${doc}?token=${token}`;

/** A ws client that offers permessage-deflate (as browsers do), with the server's upgrade response. */
async function deflateOfferingSocket(url: string): Promise<{ socket: WebSocket; upgrade: IncomingMessage; closed: Promise<number> }> {
  const socket = new WebSocket(url, { perMessageDeflate: { clientNoContextTakeover: true, serverNoContextTakeover: true } });
  socket.on('error', () => undefined);
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  // All listened for at once: ws emits them back to back. Admission follows the upgrade: the room's greeting
  // (the first message) says it has joined.
  const [[upgrade]] = await Promise.all([
    nextEvent<[IncomingMessage]>(socket as unknown as Subscribable, 'upgrade'),
    nextEvent(socket as unknown as Subscribable, 'open'),
    nextEvent(socket as unknown as Subscribable, 'message'),
  ]);
  return { socket, upgrade, closed };
}

/** A client-to-server (masked) binary frame with FIN set and, if `rsv1`, the "compressed" bit. */
function maskedFrame(payload: Uint8Array, rsv1: boolean): Buffer {
  const mask = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  const header = Buffer.from([0x82 | (rsv1 ? 0x40 : 0), 0x80 | payload.length]);
  const body = Buffer.from(payload.map((byte, i) => byte ^ (mask[i % 4] as number)));
  return Buffer.concat([header, mask, body]);
}

const rawTcp = (socket: WebSocket): { write(chunk: Buffer): boolean; destroy(): void } =>
  (socket as unknown as { _socket: { write(chunk: Buffer): boolean; destroy(): void } })._socket;

async function honestPair(srv: TandemServer, doc: string) {
  const ada = scope.client(srv.url, doc, await editorToken('Ada'));
  const bo = scope.client(srv.url, doc, await editorToken('Bo'));
  await Promise.all([waitSynced(ada), waitSynced(bo)]);
  const [adaText] = await sharedBodyTexts([ada, bo]);
  return { ada, bo, adaText: adaText as NonNullable<typeof adaText> };
}

describe('hostile clients against shared frames', () => {
  it('an offer of permessage-deflate is not taken up', async () => {
    const srv = await scope.server();
    const doc = 'hostile-wire-deflate';
    const { socket, upgrade } = await deflateOfferingSocket(collabUrl(srv, doc, await editorToken('Mallory')));
    expect(upgrade.headers['sec-websocket-extensions']).toBeUndefined();
    expect(socket.extensions).toBe('');
    socket.close(1000);
  });

  it('a compressed frame without the extension closes only its sender; the room keeps intact frames', async () => {
    const srv = await scope.server();
    const doc = 'hostile-wire-rsv1';
    const { ada, bo, adaText } = await honestPair(srv, doc);
    const token = await srv.tokens.mint({ sub: 'user-mallory', name: 'Mallory', role: Role.editor, doc }, 600);
    const { socket, closed } = await deflateOfferingSocket(collabUrl(srv, doc, token));
    // A query-awareness frame (type 3), flagged as compressed: ws must refuse it (RFC 6455 §5.2: RSV1 without
    // a negotiated extension is a protocol error), not inflate it or pass it on.
    rawTcp(socket).write(maskedFrame(new Uint8Array([3]), true));
    expect(await closed).toBe(1002);
    adaText.insert(0, 'after the compressed frame');
    await waitForDocumentText(bo.doc, (t) => t === 'after the compressed frame', 'Bo gets Ada’s text intact');
    expect(ada.provider.wsconnected && bo.provider.wsconnected).toBe(true);
  });

  it('a client that vanishes halfway through a frame loses only its own connection', async () => {
    const srv = await scope.server();
    const doc = 'hostile-wire-half';
    const { ada, bo, adaText } = await honestPair(srv, doc);
    const token = await srv.tokens.mint({ sub: 'user-mallory', name: 'Mallory', role: Role.editor, doc }, 600);
    const { socket } = await deflateOfferingSocket(collabUrl(srv, doc, token));
    const room = srv.rooms.get(doc);
    const before = room?.peerCount ?? 0;
    // Half of a frame's header and payload, then the TCP connection is gone.
    rawTcp(socket).write(maskedFrame(new Uint8Array(100).fill(0), false).subarray(0, 40));
    rawTcp(socket).destroy();
    adaText.insert(0, 'after the half frame');
    await waitForDocumentText(bo.doc, (t) => t === 'after the half frame', 'Bo gets Ada’s text intact');
    expect(ada.provider.wsconnected && bo.provider.wsconnected).toBe(true);
    expect(room?.peerCount ?? 0).toBeLessThanOrEqual(before);
  });
});
