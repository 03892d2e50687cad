/** Rule S6: an update any peer has received is on disk — checked by SIGKILL of a server process. */
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { connectClient, editorToken, type TestClient, waitSynced } from '../helpers/clients.js';
import { type ServerProcess, spawnServer, tempDataDir } from '../helpers/server.js';
import { waitUntil } from '../helpers/wait.js';
import { bodyText, documentText } from '../helpers/yBlocks.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function spawn(dataDir: string, port?: number): Promise<ServerProcess> {
  const proc = await spawnServer({ dataDir, ...(port !== undefined ? { port } : {}) });
  cleanups.push(async () => {
    if (proc.child.exitCode === null && proc.child.signalCode === null) {
      proc.child.kill('SIGKILL');
      await proc.exited;
    }
  });
  return proc;
}

function track(client: TestClient): TestClient {
  cleanups.push(() => client.destroy());
  return client;
}

describe('S6 crash safety', () => {
  it('after kill -9 and restart, every edit a peer had received is still there', async () => {
    const dataDir = tempDataDir('crash');
    const first = await spawn(dataDir);
    const token = await editorToken();
    const writer = track(connectClient(first.url, 'crash', token));
    const witness = track(connectClient(first.url, 'crash', token));
    await Promise.all([waitSynced(writer), waitSynced(witness)]);

    // The writer keeps appending numbered edits (~100/s, a fast typist's pace and within the rate limit), so
    // writes are in flight when the process dies. The witness records the longest text it has received.
    const writerText = bodyText(writer.doc);
    let seen = '';
    witness.doc.on('update', () => {
      seen = documentText(witness.doc);
    });
    let n = 0;
    const typist = setInterval(() => writerText.insert(writerText.length, `${n++},`), 10);
    cleanups.push(() => clearInterval(typist));
    await waitUntil(() => seen.split(',').length > 300, [[witness.doc, 'update']], 'witness received 300 edits', 30_000);
    first.child.kill('SIGKILL');
    const { signal } = await first.exited;
    clearInterval(typist);
    expect(signal).toBe('SIGKILL');
    const seenAtCrash = seen;
    writer.provider.disconnect();
    witness.provider.disconnect();

    // A brand-new client (no local state to resend) reads what the restarted server has on disk.
    // Same port, as a real restart: the surviving clients reconnect to it by themselves.
    const second = await spawn(dataDir, first.port);
    const reader = track(connectClient(second.url, 'crash', token));
    await waitSynced(reader);
    const recovered = documentText(reader.doc);
    expect(recovered.startsWith(seenAtCrash)).toBe(true);
    expect(seenAtCrash.split(',').length).toBeGreaterThan(300);

    // And the writer, reconnecting, re-sends what the server lost (if anything): all replicas converge.
    writer.provider.connect();
    await waitSynced(writer);
    const final = documentText(writer.doc);
    await waitUntil(() => documentText(reader.doc) === final, [[reader.doc, 'update']], 'reader converges with writer');
    expect(Y.encodeStateVector(reader.doc)).toEqual(Y.encodeStateVector(writer.doc));
  });
});
