/** Acceptance on real editing: each agent of a concurrent trace sends its own updates over its own
 *  connection; the server ends at the trace's final text, stores it, and serves it after a restart. The
 *  agents type into one shared paragraph of the editor fragment (see convertConcurrentTrace). */
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { connectClient, editorToken, openRawSocket, waitSynced } from '../helpers/clients.js';
import { startTestServer, tempDataDir } from '../helpers/server.js';
import { concurrentTraceFrames, convertConcurrentTrace, loadConcurrentTrace } from '../helpers/traces.js';
import { waitUntil } from '../helpers/wait.js';
import { documentText } from '../helpers/yBlocks.js';
import { encodeSyncUpdate as syncUpdateFrame } from '../../shared/protocol/frames.js';

/** An offline client sends its queue as one update; at most 100 keystrokes per frame (frames also end
 *  where an agent received others' edits) keeps each agent's connection inside the message rate limit
 *  without changing what the server must merge. */
const KEYSTROKES_PER_FRAME = 100;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

describe('real concurrent traces through the server', () => {
  for (const name of ['friendsforever', 'clownschool']) {
    it(`${name}: agents on separate connections converge on the trace's final text`, async () => {
      const trace = loadConcurrentTrace(name);
      const converted = convertConcurrentTrace(trace);
      const dataDir = tempDataDir('trace');
      const srv = await startTestServer({ dataDir });
      cleanups.push(() => srv.close());
      const token = await editorToken();
      const url = `${srv.url.replace(/^http/, 'ws')}/collab/${name}?token=${token}`;
      const sockets = await Promise.all(converted.updatesByAgent.map(() => openRawSocket(url)));
      cleanups.push(() => sockets.forEach(({ socket }) => socket.close()));
      const held = await srv.rooms.hold(name);
      cleanups.push(() => held.release());
      const roomDoc = held.room.doc;
      // The server refuses an update that depends on changes it does not hold. Agents send interleaved on
      // their own connections, each frame as soon as the server holds what its agent had received from
      // others when writing it (as a real client: it only builds on what the server sent it); frames
      // that do not depend on each other are in flight concurrently.
      const holds = (required: Map<number, number>): boolean => {
        const have = Y.decodeStateVector(Y.encodeStateVector(roomDoc));
        return [...required].every(([client, clock]) => (have.get(client) ?? 0) >= clock);
      };
      const sendFrom = (agent: number, update: Uint8Array): void => {
        const socket = sockets[agent]?.socket;
        if (!socket || socket.readyState !== socket.OPEN) throw new Error(`agent ${agent}'s connection is closed`);
        socket.send(syncUpdateFrame(update));
      };
      // First the shared paragraph every agent starts from.
      sendFrom(0, converted.base);
      for (const frame of concurrentTraceFrames(converted, KEYSTROKES_PER_FRAME)) {
        await waitUntil(() => holds(frame.requires), [[roomDoc, 'update']], `${name}: the server holds what agent ${frame.agent} had`, 10_000);
        sendFrom(frame.agent, frame.update);
      }

      // A stock client is the observer: the server has the final text once a peer receives it from it.
      const witness = connectClient(srv.url, name, token);
      cleanups.push(() => witness.destroy());
      const text = (): string => documentText(witness.doc);
      await waitUntil(() => text() === trace.endContent, [[witness.doc, 'update']], `${name} final text`, 60_000, () => text().length);
      // One paragraph holds it all (no agent made a paragraph of its own).
      expect(witness.doc.getXmlFragment('default').length).toBe(1);
      expect(documentText(roomDoc)).toBe(trace.endContent);
      // Nothing was refused: every agent's connection is still open.
      expect(sockets.map(({ socket }) => socket.readyState)).toEqual(sockets.map(({ socket }) => socket.OPEN));
      await held.room.whenDurable();
      held.release();
      await srv.close();

      const restarted = await startTestServer({ dataDir });
      cleanups.push(() => restarted.close());
      const reader = connectClient(restarted.url, name, token);
      cleanups.push(() => reader.destroy());
      await waitSynced(reader, 30_000);
      expect(documentText(reader.doc)).toBe(trace.endContent);
      expect(reader.doc.getXmlFragment('default').length).toBe(1);
    });
  }
});
