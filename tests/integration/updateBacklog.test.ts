/**
 * A busy socket's updates are coalesced (server/transport/updateBacklog.ts), with real sockets: a reader
 * that stops reading while 500 keystrokes are sent to it gets them, once it reads again, as a few merged
 * frames instead of 500, ends with exactly the text, and the awareness sent meanwhile was not held back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import * as syncProtocol from 'y-protocols/sync';
import { encodeAwarenessFrame, encodeSyncUpdate } from '../../shared/protocol/frames.js';
import { MessageType } from '../../shared/protocol/messages.js';
import { BUSY_SOCKET_BYTES } from '../../server/transport/updateBacklog.js';
import { listenWithConnections } from '../helpers/connectionServer.js';
import { waitUntil } from '../helpers/wait.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

const KEYSTROKES = 500;

/** A frame of MessageType 7 (no such type: the client ignores it), to fill a socket's queue. */
const filler = (bytes: number): Uint8Array => new Uint8Array(bytes).fill(7);

describe('busy socket backlog', () => {
  it('sends the updates held while a reader was not reading as merged frames once it drains', async () => {
    const server = await listenWithConnections(cleanups);
    const accepted = server.next();
    const client = new WebSocket(`ws://127.0.0.1:${server.port}/`);
    cleanups.push(() => client.terminate());
    const readerDoc = new Y.Doc();
    const received: Array<'update' | 'awareness' | 'other'> = [];
    client.on('message', (data: Buffer) => {
      const decoder = decoding.createDecoder(new Uint8Array(data));
      const type = decoding.readVarUint(decoder);
      if (type === MessageType.sync) {
        received.push('update');
        syncProtocol.readSyncMessage(decoder, { writeVarUint: () => undefined } as never, readerDoc, 'server');
      } else received.push(type === MessageType.awareness ? 'awareness' : 'other');
    });
    await new Promise<void>((resolve) => client.once('open', resolve));
    const { connection, socket, metrics } = await accepted;

    // The reader stops reading; fill the kernel's buffers and then the socket's own queue.
    (client as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    let fillers = 0;
    while (socket.bufferedAmount <= BUSY_SOCKET_BYTES && fillers < 200) {
      connection.send(filler(256 * 1024));
      fillers++;
      // Let the stream hand what it can to the kernel, so bufferedAmount is what the kernel refused.
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(socket.bufferedAmount).toBeGreaterThan(BUSY_SOCKET_BYTES);

    // Someone types 500 characters, one update each; a caret moves in the middle.
    const writer = new Y.Doc();
    writer.on('update', (update: Uint8Array) => connection.send(encodeSyncUpdate(update)));
    const text = writer.getText('t');
    for (let i = 0; i < KEYSTROKES; i++) {
      text.insert(text.length, String.fromCharCode(97 + (i % 26)));
      if (i === KEYSTROKES / 2) connection.send(encodeAwarenessFrame(new Uint8Array([0])));
    }
    expect(connection.state).toEqual({ kind: 'open' });

    (client as unknown as { _socket: { resume(): void } })._socket.resume();
    await waitUntil(() => readerDoc.getText('t').length === KEYSTROKES, [[readerDoc, 'update']], 'the reader has every keystroke', 20_000);
    expect(readerDoc.getText('t').toString()).toBe(text.toString());
    const updateFrames = received.filter((kind) => kind === 'update').length;
    expect(updateFrames).toBeLessThan(10);
    expect(await metrics.value('tandem_updates_coalesced_total')).toBeGreaterThan(KEYSTROKES - 10);
    // The caret was not held behind the updates.
    expect(received.indexOf('awareness')).toBeLessThan(received.indexOf('update'));
    expect(received.filter((kind) => kind === 'other')).toHaveLength(fillers);
  });
});
