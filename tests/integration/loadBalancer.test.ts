/**
 * The multi-instance harness (tests/helpers/loadBalancer.ts): Tandem child processes behind a real HAProxy.
 * Proven with what exists today: one instance reached only through the balancer, and two independent
 * instances (each its own SQLite) where kill -9 of one moves its client to the other. Cross-instance
 * convergence is the scale-out issue's (#13) to build and test; these tests assert routing only.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connectClient, editorToken, type TestClient, waitForDocumentText, waitSynced } from '../helpers/clients.js';
import { haproxyAvailable, type LoadBalancer, startLoadBalancer } from '../helpers/loadBalancer.js';
import { type ServerProcess, spawnServer, tempDataDir } from '../helpers/server.js';
import { waitUntil } from '../helpers/wait.js';
import { bodyText, documentText } from '../helpers/yBlocks.js';

const hasHaproxy = haproxyAvailable();

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function instance(label: string): Promise<ServerProcess> {
  const proc = await spawnServer({ dataDir: tempDataDir(label) });
  cleanups.push(async () => {
    if (proc.child.exitCode === null && proc.child.signalCode === null) {
      proc.child.kill('SIGKILL');
      await proc.exited;
    }
  });
  return proc;
}

async function balancer(backends: ServerProcess[]): Promise<LoadBalancer> {
  const lb = await startLoadBalancer({ backends: backends.map((b) => b.url) });
  cleanups.push(() => lb.stop());
  return lb;
}

function track(client: TestClient): TestClient {
  cleanups.push(() => client.destroy());
  return client;
}

/** Open WebSockets on one instance, from its own /metrics (asked directly, not through the balancer). */
async function connectionsOn(server: ServerProcess): Promise<number> {
  const body = await (await fetch(`${server.url}/metrics`)).text();
  const match = /^tandem_connections (\d+)/m.exec(body);
  return match?.[1] === undefined ? 0 : Number(match[1]);
}

describe.runIf(hasHaproxy)('Tandem behind HAProxy', () => {
  it('one instance: two stock clients through the balancer converge, and the HTTP API answers through it', async () => {
    const server = await instance('lb-one');
    const lb = await balancer([server]);
    expect(new URL(lb.url).port).not.toBe(String(server.port));

    const health = await fetch(`${lb.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe('ok');

    const token = await editorToken();
    const a = track(connectClient(lb.url, 'lb-one', token));
    const b = track(connectClient(lb.url, 'lb-one', token));
    await Promise.all([waitSynced(a), waitSynced(b)]);
    // Both sockets are relayed by HAProxy to the one instance (not, say, refused and retried elsewhere).
    expect(await connectionsOn(server)).toBe(2);
    expect((await lb.backends())[0]?.sessions).toBe(2);

    bodyText(a.doc).insert(0, 'from a;');
    await waitForDocumentText(b.doc, (text) => text.includes('from a;'), 'b receives a’s edit');
    bodyText(b.doc).insert(bodyText(b.doc).length, 'from b;');
    await waitForDocumentText(a.doc, (text) => text.includes('from b;'), 'a receives b’s edit');
    expect(documentText(a.doc)).toBe('from a;from b;');
    expect(documentText(b.doc)).toBe(documentText(a.doc));
  });

  it('two independent instances: kill -9 of one moves its client to the survivor, and the balancer marks it down', async () => {
    const instances = [await instance('lb-a'), await instance('lb-b')];
    const lb = await balancer(instances);

    const token = await editorToken();
    const client = track(connectClient(lb.url, 'lb-failover', token));
    await waitSynced(client);
    bodyText(client.doc).insert(0, 'before;');

    const counts = await Promise.all(instances.map(connectionsOn));
    expect([...counts].sort()).toEqual([0, 1]);
    const deadIndex = counts.indexOf(1);
    const dead = instances[deadIndex] as ServerProcess;
    const survivor = instances[1 - deadIndex] as ServerProcess;

    const disconnected = new Promise<void>((resolve) =>
      client.provider.on('status', ({ status }: { status: string }) => {
        if (status === 'disconnected') resolve();
      }),
    );
    dead.child.kill('SIGKILL');
    await dead.exited;
    await disconnected;
    // The stock provider's own backoff reconnects through the balancer, which must send it to the survivor
    // (redispatch while the checks have not yet noticed, then the checks take the dead one out).
    await waitUntil(
      () => client.provider.wsconnected && client.provider.synced,
      [
        [client.provider, 'status'],
        [client.provider, 'sync'],
      ],
      'the client reconnects and syncs through the balancer',
      15_000,
    );
    expect(await connectionsOn(survivor)).toBe(1);
    await lb.waitForBackend(deadIndex, 'down', 5_000);
    const states = await lb.backends();
    expect(states.map((s) => s.health)).toEqual(deadIndex === 0 ? ['down', 'up'] : ['up', 'down']);

    // The survivor never had this document: the reconnected client's sync gave it its state, and its new
    // edits reach a reader on the survivor (routing through the balancer, not cross-instance relay).
    bodyText(client.doc).insert(bodyText(client.doc).length, 'after;');
    const reader = track(connectClient(survivor.url, 'lb-failover', token));
    await waitForDocumentText(reader.doc, (text) => text === 'before;after;', 'the survivor holds the reconnected client’s edits');
  });

  it('setBackendUp(false) takes an instance out of rotation for new clients without cutting open ones', async () => {
    const instances = [await instance('lb-maint-a'), await instance('lb-maint-b')];
    const lb = await balancer(instances);
    const token = await editorToken();
    const first = track(connectClient(lb.url, 'lb-maint', token));
    await waitSynced(first);
    const counts = await Promise.all(instances.map(connectionsOn));
    expect([...counts].sort()).toEqual([0, 1]);
    const busy = counts.indexOf(1);
    const idle = 1 - busy;

    // leastconn alone would send the next client to the idle instance; maintenance must override it.
    await lb.setBackendUp(idle, false);
    expect((await lb.backends())[idle]?.health).toBe('maint');
    const second = track(connectClient(lb.url, 'lb-maint', token));
    await waitSynced(second);
    expect(await Promise.all(instances.map(connectionsOn))).toEqual(busy === 0 ? [2, 0] : [0, 2]);
    expect(first.provider.wsconnected).toBe(true);

    await lb.setBackendUp(idle, true);
    await lb.waitForBackend(idle, 'up');
    const third = track(connectClient(lb.url, 'lb-maint', token));
    await waitSynced(third);
    expect(await connectionsOn(instances[idle] as ServerProcess)).toBe(1);
  });
});
