/**
 * A broadcast's WebSocket frame built once and written as the same bytes to every socket (issue #12: "encode
 * each outgoing message once per room and send the same bytes to every socket").
 *
 * ws frames each `send` itself: a header buffer, a Buffer view of the payload, an options object, a cork,
 * two writes and an uncork per socket, about a sixth of the stock server's CPU in a 4 × 100 profile. A room
 * hands the same payload object to all its peers, so the complete frame (header and payload, RFC 6455 §5.2:
 * FIN, binary opcode, unmasked as server frames are) is built on the first send and reused, keyed weakly by
 * the payload: it lives as long as anyone still holds the payload.
 *
 * Only small frames are prebuilt: joining header and payload copies the payload once, which for the few
 * large frames (full-state sync replies, up to the document's size) would double their memory while queued;
 * those go through ws, which does not copy.
 */
import type { WebSocket } from 'ws';

/** Payloads up to this size are framed once and shared; larger ones are framed by ws per socket. */
export const MAX_SHARED_FRAME_BYTES = 64 * 1024;

const framed = new WeakMap<Uint8Array, Buffer>();

/** The binary frame carrying `payload`, built on first use. */
export function wireFrame(payload: Uint8Array): Buffer {
  let frame = framed.get(payload);
  if (!frame) {
    frame = encodeBinaryFrame(payload);
    framed.set(payload, frame);
  }
  return frame;
}

function encodeBinaryFrame(payload: Uint8Array): Buffer {
  const length = payload.length;
  const headerBytes = length <= 125 ? 2 : length <= 0xffff ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerBytes + length);
  frame[0] = 0x82; // FIN + binary
  if (headerBytes === 2) frame[1] = length;
  else if (headerBytes === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(0, 2);
    frame.writeUInt32BE(length, 6);
  }
  frame.set(payload, headerBytes);
  return frame;
}

/** The stream under a ws WebSocket, as far as Tandem uses it. */
export interface RawSocket {
  write(chunk: Buffer): boolean;
  readonly writable?: boolean;
  readonly writableNeedDrain?: boolean;
  once(event: 'drain', listener: () => void): unknown;
}

/** The TCP socket under a ws WebSocket (ws keeps it as `_socket`; not part of its typed API), or null. */
export function rawSocketOf(socket: WebSocket): RawSocket | null {
  return (socket as unknown as { _socket?: RawSocket | null })._socket ?? null;
}

/**
 * A sender of binary frames for `socket`: prebuilt and shared when small and the raw socket is reachable,
 * else through ws. Writing a whole frame to the stream ws writes its own frames to keeps them in order:
 * without an extension (the server negotiates none: no permessage-deflate) ws queues nothing, it writes
 * every frame straight through; with one it could hold frames back while compressing, so ws frames all.
 * The extensions are settled by the handshake, so they are read once, not per frame (ws builds the string
 * on every read).
 */
export function binarySender(socket: WebSocket): (payload: Uint8Array) => void {
  const raw = socket.extensions === '' ? rawSocketOf(socket) : null;
  return (payload) => {
    if (payload.length > MAX_SHARED_FRAME_BYTES || !raw || raw.writable === false) socket.send(payload);
    else raw.write(wireFrame(payload));
  };
}
