/** HTTP hardening (docs/http-hardening.md): each control is hit and answers as defined; the server keeps serving. */
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import type { TandemServer } from '../../server/app.js';
import { DEFAULT_HTTP_SETTINGS, type HttpSettings, httpSettingsFromEnv } from '../../server/http/httpSettings.js';
import { precompressDirectory } from '../../server/http/precompressed.js';
import { editorToken, type TestClient, waitSynced } from '../helpers/clients.js';
import { testScope } from '../helpers/scope.js';
import { nextEvent, waitUntil } from '../helpers/wait.js';
import { bodyText, documentText } from '../helpers/yBlocks.js';

const scope = testScope();
const FOREIGN = 'https://evil.example';
const ALLOWED = 'https://docs.example.com';

function withHttp(settings: Partial<HttpSettings>): { http: HttpSettings } {
  return { http: { ...DEFAULT_HTTP_SETTINGS, ...settings } };
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One request on a fresh socket, exactly as given (raw path, any Host or Origin). */
function request(
  srv: TandemServer,
  target: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; localAddress?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: srv.port, path: target, method: options.method ?? 'GET', headers: options.headers, agent: false, localAddress: options.localAddress },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer to ${target}`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

function wsUrl(srv: TandemServer, docName: string, token: string): string {
  return `${srv.url.replace(/^http/, 'ws')}/collab/${docName}?token=${encodeURIComponent(token)}`;
}

/** Opens a WebSocket; resolves 'open' once the server's first frame (sync step 1) arrives, or the refusal status. */
function openSocket(url: string, options: WebSocket.ClientOptions = {}): Promise<{ outcome: 'open'; socket: WebSocket } | { outcome: 'refused'; status: number }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, options);
    const timer = setTimeout(() => reject(new Error('WebSocket neither opened nor was refused within 10 s')), 10_000);
    socket.once('message', () => {
      clearTimeout(timer);
      scope.defer(() => socket.terminate());
      resolve({ outcome: 'open', socket });
    });
    socket.once('unexpected-response', (_req, res) => {
      clearTimeout(timer);
      res.resume();
      resolve({ outcome: 'refused', status: res.statusCode ?? 0 });
    });
    socket.on('error', () => undefined);
  });
}

/** A raw TCP connection; `closed` resolves with everything the server sent before closing it. */
async function rawSocket(srv: TandemServer, localAddress?: string): Promise<{ socket: net.Socket; closed: Promise<string>; received(): string }> {
  const socket = net.connect({ host: '127.0.0.1', port: srv.port, localAddress });
  let data = '';
  socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
  socket.on('error', () => undefined);
  const closed = new Promise<string>((resolve) => socket.once('close', () => resolve(data)));
  scope.defer(() => void socket.destroy());
  await Promise.race([nextEvent(socket as never, 'connect'), closed]);
  return { socket, closed, received: () => data };
}

/** Resolves when the server closes `closed`'s socket; rejects after `timeoutMs`. */
function closedWithin<T>(closed: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} still open after ${timeoutMs} ms`)), timeoutMs)));
  return Promise.race([closed, timeout]).finally(() => clearTimeout(timer));
}

/** A GET on an already open raw socket; resolves with the status line. */
async function getOn(raw: { socket: net.Socket; received(): string }, target: string): Promise<string> {
  raw.socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
  await waitUntil(() => raw.received().includes('\r\n\r\n'), [[raw.socket as never, 'data']], `an answer to ${target}`);
  return raw.received().split('\r\n')[0] ?? '';
}

/** Two connected y-websocket clients see each other's edit. */
async function stillSyncing(a: TestClient, b: TestClient): Promise<void> {
  bodyText(a.doc).insert(0, 'still works');
  await waitUntil(() => documentText(b.doc) === 'still works', [[b.doc, 'update']], 'the edit to arrive');
}

describe('origin checks', () => {
  it('refuses a WebSocket upgrade from a foreign Origin with 403, and no room is joined', async () => {
    const srv = await scope.server();
    const token = await editorToken();
    const refused = await openSocket(wsUrl(srv, 'origin-ws', token), { origin: FOREIGN });
    expect(refused).toEqual({ outcome: 'refused', status: 403 });
    expect(srv.rooms.get('origin-ws')).toBeUndefined();
    expect(srv.rooms.size).toBe(0);
    expect(await srv.metrics.value('tandem_upgrades_refused_total', { reason: 'origin' })).toBe(1);
    // The server's own origin is allowed.
    const own = await openSocket(wsUrl(srv, 'origin-ws', token), { origin: srv.url });
    expect(own.outcome).toBe('open');
  });

  it('refuses a state-changing request from a foreign Origin with 403 before any route runs', async () => {
    const srv = await scope.server();
    const body = JSON.stringify({ name: 'Guest' });
    const headers = { 'content-type': 'application/json' };
    const foreign = await request(srv, '/api/auth/guest', { method: 'POST', headers: { ...headers, origin: FOREIGN }, body });
    expect(foreign.status).toBe(403);
    expect(JSON.parse(foreign.body.toString())).toEqual({ error: 'origin not allowed' });
    expect(await srv.metrics.value('tandem_http_requests_refused_total', { reason: 'origin' })).toBe(1);
    // A sandboxed frame sends `Origin: null`: refused too.
    expect((await request(srv, '/api/auth/guest', { method: 'POST', headers: { ...headers, origin: 'null' }, body })).status).toBe(403);
    // Without an Origin (a non-browser client) and from the own origin, the route itself answers.
    const plain = await request(srv, '/api/auth/guest', { method: 'POST', headers, body });
    expect(plain.status).not.toBe(403);
    const own = await request(srv, '/api/auth/guest', { method: 'POST', headers: { ...headers, origin: srv.url }, body });
    expect(own.status).toBe(plain.status);
    // Safe methods are not origin-checked (a cross-site GET cannot change anything).
    expect((await request(srv, '/healthz', { headers: { origin: FOREIGN } })).status).toBe(200);
  });

  it('lets a client without an Origin header work with a valid token', async () => {
    const srv = await scope.server();
    const token = await editorToken();
    const a = scope.client(srv.url, 'no-origin', token);
    const b = scope.client(srv.url, 'no-origin', token);
    await Promise.all([waitSynced(a), waitSynced(b)]);
    await stillSyncing(a, b);
  });

  it('accepts an origin listed in ALLOWED_ORIGINS, on the upgrade and on POST', async () => {
    const srv = await scope.server(withHttp({ allowedOrigins: [ALLOWED] }));
    const token = await editorToken();
    const opened = await openSocket(wsUrl(srv, 'allowed-origin', token), { origin: ALLOWED });
    expect(opened.outcome).toBe('open');
    expect(srv.rooms.get('allowed-origin')).toBeDefined();
    const post = await request(srv, '/api/auth/guest', { method: 'POST', headers: { 'content-type': 'application/json', origin: ALLOWED }, body: '{}' });
    expect(post.status).not.toBe(403);
    expect((await openSocket(wsUrl(srv, 'allowed-origin', token), { origin: FOREIGN })).outcome).toBe('refused');
  });

  it('believes X-Forwarded-Proto only with TRUST_PROXY', async () => {
    const untrusting = await scope.server();
    const host = `127.0.0.1:${untrusting.port}`;
    const forwarded = { host, origin: `https://${host}`, 'x-forwarded-proto': 'https', 'content-type': 'application/json' };
    expect((await request(untrusting, '/api/auth/guest', { method: 'POST', headers: forwarded, body: '{}' })).status).toBe(403);
    const trusting = await scope.server(withHttp({ trustProxy: true }));
    const behindProxy = { ...forwarded, host: `127.0.0.1:${trusting.port}`, origin: `https://127.0.0.1:${trusting.port}` };
    expect((await request(trusting, '/api/auth/guest', { method: 'POST', headers: behindProxy, body: '{}' })).status).not.toBe(403);
  });
});

describe('host check on a loopback-bound server', () => {
  it('refuses a foreign Host (DNS rebinding) on HTTP and on the upgrade; accepts loopback names and ALLOWED_ORIGINS hosts', async () => {
    const srv = await scope.server(withHttp({ allowedOrigins: [ALLOWED] }));
    const refused = await request(srv, '/healthz', { headers: { host: 'rebind.evil.example' } });
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body.toString())).toEqual({ error: 'host not allowed' });
    const token = await editorToken();
    const upgrade = await openSocket(wsUrl(srv, 'host-check', token), { headers: { host: `rebind.evil.example:${srv.port}` } });
    expect(upgrade).toEqual({ outcome: 'refused', status: 403 });
    expect(srv.rooms.size).toBe(0);
    for (const host of [`localhost:${srv.port}`, `127.0.0.1:${srv.port}`, 'docs.example.com']) {
      expect((await request(srv, '/healthz', { headers: { host } })).status, host).toBe(200);
    }
  });
});

describe('security headers', () => {
  it('sets the CSP and the usual headers on the page and on API responses', async () => {
    const srv = await scope.server({ staticDir: await staticFixture() });
    for (const target of ['/', '/api/no-such-endpoint', '/healthz']) {
      const answer = await request(srv, target);
      expect(answer.headers['content-security-policy'], target).toContain("default-src 'self'");
      expect(answer.headers['content-security-policy'], target).toContain("connect-src 'self'");
      expect(answer.headers['content-security-policy'], target).toContain("frame-ancestors 'none'");
      expect(answer.headers['x-frame-options'], target).toBe('DENY');
      expect(answer.headers['x-content-type-options'], target).toBe('nosniff');
      expect(answer.headers['referrer-policy'], target).toBe('no-referrer');
      expect(answer.headers['cross-origin-opener-policy'], target).toBe('same-origin');
    }
  });
});

describe('malformed paths', () => {
  it('answers 400 to broken request targets, over HTTP and on the upgrade, and keeps serving', async () => {
    const srv = await scope.server({ staticDir: await staticFixture() });
    for (const target of ['/%00', '/%E0%A4%A', '//', '/\\evil/x', '/collab/%E0%A4%A', '/assets/%00.js']) {
      expect((await request(srv, target)).status, target).toBe(400);
    }
    for (const target of ['//', '/%E0%A4%A', '/\\evil/x']) {
      const raw = await rawSocket(srv);
      raw.socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`);
      expect(await closedWithin(raw.closed, 5_000, 'refused upgrade'), target).toMatch(/^HTTP\/1\.1 400 /);
    }
    expect((await request(srv, '/healthz')).status).toBe(200);
    expect((await request(srv, '/')).status).toBe(200);
  });
});

describe('timeouts', () => {
  it('closes a slowloris socket (headers trickling in) once the headers timeout passes', async () => {
    const srv = await scope.server(withHttp({ headersTimeoutMs: 400, requestTimeoutMs: 800, idleTimeoutMs: 5_000 }));
    const raw = await rawSocket(srv);
    raw.socket.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\n`);
    // One header line every 50 ms: never idle, never complete.
    let line = 0;
    const trickle = setInterval(() => raw.socket.writable && raw.socket.write(`X-Slow-${line++}: a\r\n`), 50);
    const started = Date.now();
    try {
      await closedWithin(raw.closed, 4_000, 'slowloris socket');
    } finally {
      clearInterval(trickle);
    }
    // Closed by the headers timeout (plus Node's check interval), long before the idle timer could.
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(line).toBeGreaterThan(2);
    expect((await request(srv, '/healthz')).status).toBe(200);
  });

  it('closes a body sent too slowly once the request timeout passes', async () => {
    const srv = await scope.server(withHttp({ headersTimeoutMs: 300, requestTimeoutMs: 600, idleTimeoutMs: 5_000 }));
    const raw = await rawSocket(srv);
    raw.socket.write(`POST /api/auth/guest HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n`);
    const trickle = setInterval(() => raw.socket.writable && raw.socket.write(' '), 50);
    try {
      await closedWithin(raw.closed, 4_000, 'slow-body socket');
    } finally {
      clearInterval(trickle);
    }
  });

  it('closes a silent socket that never sends a request', async () => {
    const srv = await scope.server(withHttp({ headersTimeoutMs: 10_000, requestTimeoutMs: 20_000, idleTimeoutMs: 300 }));
    const raw = await rawSocket(srv);
    const started = Date.now();
    expect(await closedWithin(raw.closed, 5_000, 'silent socket')).toBe('');
    expect(Date.now() - started).toBeLessThan(5_000);
    // A socket that does send a request is not cut by the idle timer while the request is answered.
    expect((await request(srv, '/healthz')).status).toBe(200);
  });

  it('keeps defaults that close a half-sent request within 30 s', () => {
    const { headersTimeoutMs, requestTimeoutMs, idleTimeoutMs } = DEFAULT_HTTP_SETTINGS;
    // Node checks the timeouts at most every second (app.ts, connectionsCheckIntervalMs).
    expect(Math.max(headersTimeoutMs, requestTimeoutMs, idleTimeoutMs) + 1_000).toBeLessThanOrEqual(30_000);
  });
});

describe('connection caps', () => {
  it('refuses the connection past MAX_CONNECTIONS_PER_ADDRESS while the first ones keep working', async () => {
    const srv = await scope.server(withHttp({ maxConnectionsPerAddress: 5 }));
    const token = await editorToken();
    const clients = Array.from({ length: 5 }, () => scope.client(srv.url, 'per-address', token));
    await Promise.all(clients.map((c) => waitSynced(c)));
    const sixth = await rawSocket(srv);
    expect(await closedWithin(sixth.closed, 5_000, 'sixth connection')).toBe('');
    expect(await srv.metrics.value('tandem_tcp_connections_dropped_total', { reason: 'per_address' })).toBeGreaterThanOrEqual(1);
    await stillSyncing(clients[0]!, clients[4]!);
    // Another address is not affected.
    const other = await rawSocket(srv, '127.0.0.2');
    expect(await getOn(other, '/healthz')).toBe('HTTP/1.1 200 OK');
  });

  it('refuses unauthenticated connections past the per-address and the global cap; held ones still work', async () => {
    const srv = await scope.server(withHttp({ maxUnauthenticatedConnections: 5, maxUnauthenticatedPerAddress: 3 }));
    const held = [];
    for (let i = 0; i < 3; i++) held.push(await rawSocket(srv, '127.0.0.2'));
    // One address cannot fill the global cap alone.
    const fourth = await rawSocket(srv, '127.0.0.2');
    expect(await closedWithin(fourth.closed, 5_000, 'fourth unauthenticated connection from one address')).toBe('');
    expect(await srv.metrics.value('tandem_tcp_connections_dropped_total', { reason: 'unauthenticated_per_address' })).toBe(1);
    for (let i = 0; i < 2; i++) held.push(await rawSocket(srv, '127.0.0.3'));
    const sixth = await rawSocket(srv, '127.0.0.4');
    expect(await closedWithin(sixth.closed, 5_000, 'sixth unauthenticated connection')).toBe('');
    expect(await srv.metrics.value('tandem_tcp_connections_dropped_total', { reason: 'unauthenticated' })).toBe(1);
    // The five held connections are served; once answered they no longer count, so others get in.
    for (const raw of held) expect(await getOn(raw, '/healthz')).toBe('HTTP/1.1 200 OK');
    expect((await request(srv, '/healthz', { localAddress: '127.0.0.4' })).status).toBe(200);
    // An admitted WebSocket is authenticated: five of them leave the cap free.
    const token = await editorToken();
    const clients = Array.from({ length: 5 }, () => scope.client(srv.url, 'unauthenticated', token));
    await Promise.all(clients.map((c) => waitSynced(c)));
    expect((await request(srv, '/healthz')).status).toBe(200);
  });
});

describe('settings', () => {
  it('keeps the caps coherent: room for an office behind one address, and no address can fill the unauthenticated cap', () => {
    const defaults = httpSettingsFromEnv({});
    expect(defaults).toEqual(DEFAULT_HTTP_SETTINGS);
    expect(defaults.maxConnectionsPerAddress).toBeGreaterThanOrEqual(2_000);
    expect(defaults.maxUnauthenticatedPerAddress).toBeLessThan(defaults.maxUnauthenticatedConnections);
    // A lowered global cap pulls the per-address default down with it; an explicit incoherent pair is refused.
    expect(httpSettingsFromEnv({ MAX_UNAUTHENTICATED_CONNECTIONS: '100' }).maxUnauthenticatedPerAddress).toBe(25);
    expect(() => httpSettingsFromEnv({ MAX_UNAUTHENTICATED_CONNECTIONS: '100', MAX_UNAUTHENTICATED_PER_ADDRESS: '100' })).toThrow(/must be below/);
    // The benchmark's settings (bench/run.ts) are accepted.
    const bench = httpSettingsFromEnv({ MAX_CONNECTIONS_PER_ADDRESS: '1000000', MAX_UNAUTHENTICATED_CONNECTIONS: '1000000', MAX_UNAUTHENTICATED_PER_ADDRESS: '999999' });
    expect(bench.maxUnauthenticatedPerAddress).toBe(999_999);
    expect(httpSettingsFromEnv({ TRUST_PROXY: '1' }).trustProxy).toBe(true);
    expect(() => httpSettingsFromEnv({ TRUST_PROXY: 'yes please' })).toThrow(/TRUST_PROXY/);
    expect(httpSettingsFromEnv({ PUBLIC_URL: 'https://Docs.Example.com/' }).allowedOrigins).toEqual(['https://docs.example.com']);
    expect(() => httpSettingsFromEnv({ ALLOWED_ORIGINS: 'https://docs.example.com/path' })).toThrow(/ALLOWED_ORIGINS/);
  });
});

describe('static files', () => {
  it('serves the build-time br and gz siblings that decode to the file, with Vary, caches hashed assets for good, hides .map', async () => {
    const dir = await staticFixture();
    const srv = await scope.server({ staticDir: dir });
    const original = fs.readFileSync(path.join(dir, 'assets/app-abc123.js'));
    const asset = '/assets/app-abc123.js';

    const br = await request(srv, asset, { headers: { 'accept-encoding': 'gzip, br' } });
    expect(br.status).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toBe('accept-encoding');
    expect(zlib.brotliDecompressSync(br.body).equals(original)).toBe(true);
    expect(br.body.length).toBeLessThan(original.length / 4);
    expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');

    const gzip = await request(srv, asset, { headers: { 'accept-encoding': 'gzip, br;q=0' } });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(gzip.body).equals(original)).toBe(true);

    const identity = await request(srv, asset, { headers: { 'accept-encoding': 'identity' } });
    expect(identity.headers['content-encoding']).toBeUndefined();
    expect(identity.headers.vary).toBe('accept-encoding');
    expect(identity.body.equals(original)).toBe(true);
    expect(new Set([gzip.headers.etag, br.headers.etag, identity.headers.etag]).size).toBe(3);

    const page = await request(srv, '/some/document', { headers: { 'accept-encoding': 'gzip' } });
    expect(page.status).toBe(200);
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(zlib.gunzipSync(page.body).toString()).toContain('<title>Fixture</title>');

    expect((await request(srv, '/assets/app-abc123.js.map')).status).toBe(404);
    expect((await request(srv, '/assets/missing-000000.js')).status).toBe(404);
    expect((await request(srv, '/../package.json')).status).not.toBe(200);
    expect((await request(srv, '/assets/..%2F..%2Fpackage.json')).status).not.toBe(200);
  });

  it('answers 304 to a matching If-None-Match or a not-older If-Modified-Since, for each representation', async () => {
    const srv = await scope.server({ staticDir: await staticFixture() });
    const asset = '/assets/app-abc123.js';
    for (const acceptEncoding of ['br', 'gzip', 'identity']) {
      const first = await request(srv, asset, { headers: { 'accept-encoding': acceptEncoding } });
      const { etag, 'last-modified': lastModified } = first.headers;
      expect(etag, acceptEncoding).toMatch(/^"[^"]+"$/);
      expect(Number.isFinite(Date.parse(lastModified ?? '')), acceptEncoding).toBe(true);
      const byTag = await request(srv, asset, { headers: { 'accept-encoding': acceptEncoding, 'if-none-match': etag! } });
      expect(byTag.status, acceptEncoding).toBe(304);
      expect(byTag.body.length).toBe(0);
      expect(byTag.headers.etag).toBe(etag);
      const byDate = await request(srv, asset, { headers: { 'accept-encoding': acceptEncoding, 'if-modified-since': lastModified! } });
      expect(byDate.status, acceptEncoding).toBe(304);
    }
    const older = new Date(Date.parse('2001-01-01T00:00:00Z')).toUTCString();
    expect((await request(srv, asset, { headers: { 'if-modified-since': older } })).status).toBe(200);
    // If-None-Match decides when both are sent: another tag means the cached copy is not this one.
    const lastModified = (await request(srv, asset)).headers['last-modified']!;
    expect((await request(srv, asset, { headers: { 'if-none-match': '"other"', 'if-modified-since': lastModified } })).status).toBe(200);
  });

  it('passes over a sibling older than its file (left from an earlier build) and serves the file itself', async () => {
    const dir = await staticFixture();
    const srv = await scope.server({ staticDir: dir });
    const file = path.join(dir, 'assets/app-abc123.js');
    const rebuilt = `${fs.readFileSync(file, 'utf8')}\nexport const rebuilt = true;`;
    fs.writeFileSync(file, rebuilt);
    const past = new Date(Date.now() - 60_000);
    for (const suffix of ['.br', '.gz']) fs.utimesSync(`${file}${suffix}`, past, past);
    const answer = await request(srv, '/assets/app-abc123.js', { headers: { 'accept-encoding': 'br, gzip' } });
    expect(answer.headers['content-encoding']).toBeUndefined();
    expect(answer.body.toString()).toBe(rebuilt);
  });

  it('makes no synchronous file system call while serving', async () => {
    const srv = await scope.server({ staticDir: await staticFixture() });
    const syncCalls = (['statSync', 'lstatSync', 'existsSync', 'readFileSync', 'openSync', 'accessSync', 'readSync'] as const).map((name) => vi.spyOn(fs, name));
    scope.defer(() => syncCalls.forEach((spy) => spy.mockRestore()));
    for (const target of ['/', '/some/document', '/assets/app-abc123.js', '/assets/missing-000000.js']) {
      for (const acceptEncoding of ['br', 'gzip', 'identity']) expect((await request(srv, target, { headers: { 'accept-encoding': acceptEncoding } })).status).toBeLessThan(500);
    }
    expect(syncCalls.map((spy) => spy.mock.calls.length)).toEqual(syncCalls.map(() => 0));
  });
});

/** A built client stand-in, precompressed as `npm run build:client` does: index.html, a hashed bundle and
 *  the source map a build might leave behind. */
async function staticFixture(): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-static-'));
  scope.defer(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.mkdirSync(path.join(dir, 'assets'));
  const script = '<script type="module" src="/assets/app-abc123.js"></script>';
  fs.writeFileSync(path.join(dir, 'index.html'), `<!doctype html><html><head><title>Fixture</title>${script}</head><body>${'<p>padding</p>'.repeat(200)}</body></html>`);
  const bundle = Array.from({ length: 3_000 }, (_, i) => `export const value${i} = ${JSON.stringify(`value number ${i}`)};`).join('\n');
  fs.writeFileSync(path.join(dir, 'assets/app-abc123.js'), bundle);
  fs.writeFileSync(path.join(dir, 'assets/app-abc123.js.map'), JSON.stringify({ version: 3, sources: ['secret.ts'], mappings: '' }));
  await precompressDirectory(dir);
  return dir;
}
