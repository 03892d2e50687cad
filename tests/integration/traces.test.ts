/** Acceptance on real editing: each agent of a concurrent trace sends its own updates over its own
 *  connection; the server ends at the trace's final text, stores it, and serves it after a restart. */
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { connectClient, guestToken, openRawSocket, waitSynced } from '../helpers/clients.js';
import { startTestServer, tempDataDir } from '../helpers/server.js';
import { convertConcurrentTrace, loadConcurrentTrace } from '../helpers/traces.js';
import { waitUntil } from '../helpers/wait.js';
import { encodeSyncUpdate as syncUpdateFrame } from '../../shared/protocol/frames.js';

/** An offline client sends its queue as one update; 100 keystrokes per frame keeps each agent's
 *  connection far inside the message rate limit without changing what the server must merge. */
const KEYSTROKES_PER_FRAME = 100;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

describe('real concurrent traces through the server', () => {
  for (const name of ['friendsforever', 'clownschool']) {
    it(`${name}: agents on separate connections converge on the trace's final text`, async () => {
      const trace = loadConcurrentTrace(name);
      const { updatesByAgent } = convertConcurrentTrace(trace);
      const dataDir = tempDataDir('trace');
      const srv = await startTestServer({ dataDir });
      cleanups.push(() => srv.close());
      const token = await guestToken(srv.url);
      const url = `${srv.url.replace(/^http/, 'ws')}/collab/${name}?token=${token}`;
      const sockets = await Promise.all(updatesByAgent.map(() => openRawSocket(url)));
      cleanups.push(() => sockets.forEach(({ socket }) => socket.close()));
      // Agents send concurrently, interleaved; later frames may depend on other agents' earlier ones,
      // which the server holds as pending until their dependencies arrive.
      const frames = updatesByAgent.map((updates) => {
        const chunks: Uint8Array[] = [];
        for (let i = 0; i < updates.length; i += KEYSTROKES_PER_FRAME) chunks.push(syncUpdateFrame(Y.mergeUpdates(updates.slice(i, i + KEYSTROKES_PER_FRAME))));
        return chunks;
      });
      const longest = Math.max(...frames.map((f) => f.length));
      for (let i = 0; i < longest; i++) frames.forEach((agentFrames, agent) => agentFrames[i] && sockets[agent]?.socket.send(agentFrames[i] as Uint8Array));

      // A stock client is the observer: the server has the final text once a peer receives it from it.
      const witness = connectClient(srv.url, name, token);
      cleanups.push(() => witness.destroy());
      const text = witness.doc.getText('t');
      await waitUntil(() => text.toString() === trace.endContent, [[witness.doc, 'update']], `${name} final text`, 60_000, () => text.length);
      const room = srv.rooms.get(name);
      expect(room?.doc.getText('t').toString()).toBe(trace.endContent);
      await room?.whenDurable();
      await srv.close();

      const restarted = await startTestServer({ dataDir });
      cleanups.push(() => restarted.close());
      const reader = connectClient(restarted.url, name, token);
      cleanups.push(() => reader.destroy());
      await waitSynced(reader, 30_000);
      expect(reader.doc.getText('t').toString()).toBe(trace.endContent);
    });
  }
});
