/**
 * A real load balancer for multi-instance tests: HAProxy from Debian's packages, run as a child process in
 * the foreground (`-db`: no daemon, no systemd), with its config and admin socket in a temp dir.
 * It balances HTTP and WebSocket upgrades across the given backends and health-checks `GET /healthz`, so
 * a dead backend is taken out within about a second. `startLoadBalancer` resolves once HAProxy listens and
 * every backend has passed its first health check (HAProxy starts servers as "up" before any check, so a
 * broken check would otherwise go unnoticed for the first second). Why HAProxy: docs/scale-out.md, "Test harness".
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { servicesRequired } from './services.js';

export const HAPROXY_BIN = process.env.HAPROXY_BIN ?? 'haproxy';

/** Long enough for a cold start on a loaded CI machine; HAProxy itself binds in milliseconds. */
const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;
/** Between connect probes while HAProxy starts: a bounded retry of a probe, not a wait for an outcome. */
const PROBE_RETRY_MS = 20;
/** Another process may take the free port between our probe and HAProxy's bind; then start again. */
const BIND_ATTEMPTS = 3;
const BACKEND = 'tandem';

/** Whether HAProxy is installed. Under REQUIRE_SERVICES=1 (CI) a missing binary throws, so the suite fails
 *  instead of passing vacuously; elsewhere the suite is skipped with a loud message. */
export function haproxyAvailable(): boolean {
  try {
    execFileSync(HAPROXY_BIN, ['-v'], { stdio: 'ignore' });
    return true;
  } catch (error) {
    if (servicesRequired) throw new Error(`REQUIRE_SERVICES=1 but HAProxy (${HAPROXY_BIN}) cannot run: ${String(error)}. Install it: apt-get install -y haproxy`);
    console.warn(`\n*** HAProxy (${HAPROXY_BIN}) is not installed: load-balancer tests are SKIPPED (apt-get install -y haproxy) ***\n`);
    return false;
  }
}

/** A backend as HAProxy's health checks see it: `up` also covers "UP 1/2" (up, one check failed). */
export type BackendHealth = 'up' | 'down' | 'maint';

export interface BackendStatus {
  /** HAProxy's server name, `s<index>`. */
  name: string;
  health: BackendHealth;
  /** HAProxy's raw status column ("UP", "DOWN 1/1", "MAINT", ...), for failure messages. */
  status: string;
  /** Connections HAProxy holds open to this backend now (one per live WebSocket). */
  sessions: number;
}

export interface LoadBalancer {
  /** `http://127.0.0.1:<port>`: the address clients use instead of a backend's. */
  readonly url: string;
  /** Every backend's state, from HAProxy's runtime API. */
  backends(): Promise<BackendStatus[]>;
  /** Resolves once HAProxy reports backend `index` in `health` (on its own log line, not by polling). */
  waitForBackend(index: number, health: Exclude<BackendHealth, 'maint'>, timeoutMs?: number): Promise<void>;
  /** Takes backend `index` out of rotation (maintenance; open connections stay) or puts it back. */
  setBackendUp(index: number, up: boolean): Promise<void>;
  /** Everything HAProxy printed so far. */
  output(): string;
  stop(): Promise<void>;
}

function backendAddress(backend: string): string {
  const url = new URL(backend);
  if (url.port === '') throw new Error(`backend ${backend} needs an explicit port`);
  return `${url.hostname}:${url.port}`;
}

function config(port: number, backends: readonly string[], socketPath: string): string {
  return [
    'global',
    `  stats socket ${socketPath} mode 600 level admin`,
    'defaults',
    '  mode http',
    // A dead backend refuses at once on loopback; 1 s bounds a hung one.
    '  timeout connect 1s',
    '  timeout client 30s',
    '  timeout server 30s',
    // After the upgrade a WebSocket is a tunnel: quiet documents keep their socket (Tandem pings it).
    '  timeout tunnel 1h',
    // A connection refused by a backend whose death the checks have not seen yet is retried on another.
    '  option redispatch 1',
    '  retries 3',
    'frontend tandem_in',
    `  bind 127.0.0.1:${port}`,
    `  default_backend ${BACKEND}`,
    `backend ${BACKEND}`,
    // WebSockets are long-lived: count open connections, not requests, so clients spread evenly.
    '  balance leastconn',
    '  option httpchk',
    // Prints every check result that changes a server's health ("Health check for server tandem/s0
    // succeeded ..."), so the start can wait for each backend's first passed check.
    '  option log-health-checks',
    // HTTP/1.1 with a loopback Host: Tandem bound to loopback refuses requests without one (originPolicy.ts).
    '  http-check send meth GET uri /healthz ver HTTP/1.1 hdr Host localhost',
    '  http-check expect status 200',
    // Two failed checks 500 ms apart mark a backend down (~1 s); one good check brings it back.
    '  default-server check inter 500 fall 2 rise 1',
    ...backends.map((backend, i) => `  server s${i} ${backendAddress(backend)}`),
    '',
  ].join('\n');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** One runtime-API command over the admin socket; HAProxy answers and closes. */
function runtimeCommand(socketPath: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.once('error', reject);
    socket.once('end', () => resolve(answer));
    socket.once('connect', () => socket.write(`${command}\n`));
  });
}

function healthOf(status: string): BackendHealth {
  // "no check": a server without health checks, which HAProxy always sends traffic to.
  if (status.startsWith('UP') || status === 'NOLB' || status === 'DRAIN' || status === 'no check') return 'up';
  if (status.startsWith('MAINT')) return 'maint';
  return 'down';
}

function parseServerStats(csv: string): BackendStatus[] {
  const [header, ...rows] = csv.trim().split('\n');
  const columns = (header ?? '').replace(/^# /, '').split(',');
  const column = (row: string[], name: string): string => row[columns.indexOf(name)] ?? '';
  return rows
    .map((line) => line.split(','))
    .filter((row) => column(row, 'pxname') === BACKEND)
    .map((row) => ({ name: column(row, 'svname'), status: column(row, 'status'), health: healthOf(column(row, 'status')), sessions: Number(column(row, 'scur')) }));
}

interface Started {
  child: ChildProcess;
  exited: Promise<void>;
}

/** Starts HAProxy on `port`; resolves once the frontend accepts connections, rejects with HAProxy's output. */
async function launch(cfgPath: string, port: number, log: (text: string) => void, output: () => string): Promise<Started> {
  const child = spawn(HAPROXY_BIN, ['-f', cfgPath, '-db'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.setEncoding('utf8').on('data', log);
  child.stderr?.setEncoding('utf8').on('data', log);
  let gone = false;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      gone = true;
      resolve();
    }),
  );
  child.once('error', (error) => log(`spawn failed: ${String(error)}\n`));
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (gone) throw new Error(`HAProxy exited during start (code ${child.exitCode}, signal ${child.signalCode}):\n${output()}`);
    if (await connects(port)) return { child, exited };
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      await exited;
      throw new Error(`HAProxy did not listen on 127.0.0.1:${port} within ${START_TIMEOUT_MS} ms:\n${output()}`);
    }
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, PROBE_RETRY_MS))]);
  }
}

export async function startLoadBalancer(options: { backends: readonly string[] }): Promise<LoadBalancer> {
  if (options.backends.length === 0) throw new Error('startLoadBalancer needs at least one backend');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-lb-'));
  const socketPath = path.join(dir, 'admin.sock');
  const cfgPath = path.join(dir, 'haproxy.cfg');
  let text = '';
  const transitions = new EventEmitter();
  // HAProxy logs every health transition in the foreground: "Server tandem/s1 is DOWN, reason: ...".
  const transitionLine = new RegExp(`Server ${BACKEND}/s(\\d+) is (UP|DOWN)`, 'g');
  // And, with log-health-checks, each check that moves a server's health counter.
  const checkLine = new RegExp(`Health check for server ${BACKEND}/s(\\d+) (succeeded|failed)`, 'g');
  const log = (chunk: string): void => {
    const start = Math.max(0, text.lastIndexOf('\n') + 1);
    text += chunk;
    // Re-scan from the last complete line so a line split across chunks is still seen once.
    const fresh = text.slice(start);
    const complete = fresh.slice(0, fresh.lastIndexOf('\n') + 1);
    for (const match of complete.matchAll(transitionLine)) transitions.emit('transition', Number(match[1]), match[2] === 'UP' ? 'up' : 'down');
    for (const match of complete.matchAll(checkLine)) transitions.emit('check', Number(match[1]), match[2] === 'succeeded');
  };
  // Listening from the first line on, so no first check result is missed.
  const firstChecks = new Map<number, boolean>();
  transitions.on('check', (server: number, passed: boolean) => {
    if (!firstChecks.has(server)) firstChecks.set(server, passed);
  });

  let started: Started | undefined;
  let port = 0;
  for (let attempt = 1; started === undefined; attempt++) {
    port = await freePort();
    fs.writeFileSync(cfgPath, config(port, options.backends, socketPath));
    try {
      started = await launch(cfgPath, port, log, () => text);
    } catch (error) {
      const lostPortRace = /cannot bind socket/i.test(text);
      if (!lostPortRace || attempt >= BIND_ATTEMPTS) {
        fs.rmSync(dir, { recursive: true, force: true });
        throw error;
      }
      text = '';
    }
  }
  const { child, exited } = started;
  const abort = async (message: string): Promise<never> => {
    child.kill('SIGKILL');
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`${message}\nHAProxy output:\n${text}`);
  };
  // Servers start at health 1 of 2 ("UP 1/2"), so the first passed check moves the counter and is printed.
  const count = options.backends.length;
  let onCheck = (): void => undefined;
  let timer: NodeJS.Timeout | undefined;
  const checked = await new Promise<boolean>((resolve) => {
    onCheck = () => {
      if (firstChecks.size === count) resolve(true);
    };
    transitions.on('check', onCheck);
    timer = setTimeout(() => resolve(false), START_TIMEOUT_MS);
    void exited.then(() => resolve(false));
    onCheck();
  });
  transitions.off('check', onCheck);
  clearTimeout(timer);
  if (!checked) await abort(`not every backend was health-checked within ${START_TIMEOUT_MS} ms (or HAProxy exited); first checks: ${JSON.stringify(Object.fromEntries(firstChecks))}`);
  const failed = [...firstChecks].filter(([, passed]) => !passed).map(([server]) => `s${server} (${options.backends[server]})`);
  if (failed.length > 0) await abort(`backend ${failed.join(', ')} failed its first health check (GET /healthz)`);

  const backends = async (): Promise<BackendStatus[]> => parseServerStats(await runtimeCommand(socketPath, 'show stat -1 4 -1'));

  return {
    url: `http://127.0.0.1:${port}`,
    backends,
    output: () => text,
    async waitForBackend(index, health, timeoutMs = 10_000) {
      let listener: ((server: number, state: BackendHealth) => void) | undefined;
      let timer: NodeJS.Timeout | undefined;
      // Listen before asking for the current state, so a transition between the two is not missed.
      const transitioned = new Promise<void>((resolve, reject) => {
        listener = (server, state) => {
          if (server === index && state === health) resolve();
        };
        transitions.on('transition', listener);
        timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for backend s${index} to be ${health}:\n${text}`)), timeoutMs);
      });
      // Handled below; this only keeps a timeout during the state query from being an unhandled rejection.
      transitioned.catch(() => undefined);
      try {
        const now = (await backends())[index];
        if (now?.health === health) return;
        await transitioned;
      } finally {
        clearTimeout(timer);
        if (listener) transitions.off('transition', listener);
      }
    },
    async setBackendUp(index, up) {
      const answer = await runtimeCommand(socketPath, `set server ${BACKEND}/s${index} state ${up ? 'ready' : 'maint'}`);
      if (answer.trim() !== '') throw new Error(`HAProxy refused to change s${index}: ${answer}`);
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        // SIGTERM is HAProxy's hard stop: it closes every connection at once, as a test teardown wants.
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
