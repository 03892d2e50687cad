/**
 * End-to-end plumbing: the built server as a child process on a free port with a fresh data
 * directory, and Chromium via playwright-core. Tests wait on conditions, never on fixed sleeps.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { CSRF_COOKIE, CSRF_HEADER, type DocumentInfo, type Me, type ShareRole, type Sharing } from '../../shared/accounts/api.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SERVER_ENTRY = path.join(repoRoot, 'dist/server/server/main.js');
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Long enough for a cold start on a slow CI machine, short enough to fail clearly when it hangs. */
const SERVER_START_TIMEOUT_MS = 30_000;
const SERVER_STOP_TIMEOUT_MS = 10_000;

/**
 * Whether the e2e suite should run. Without Chromium it is skipped loudly — unless
 * REQUIRE_BROWSER=1 (CI), where it runs and fails at launch instead of passing vacuously.
 */
export function browserTestsEnabled(): boolean {
  if (fs.existsSync(CHROMIUM_PATH)) return true;
  if (process.env.REQUIRE_BROWSER === '1') return true;
  console.warn(
    `\n!!! e2e tests SKIPPED: no Chromium at ${CHROMIUM_PATH}. Install it (or set CHROMIUM_PATH); ` +
      'set REQUIRE_BROWSER=1 to make a missing browser fail the run.\n',
  );
  return false;
}

export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM_PATH)) throw new Error(`Chromium not found at ${CHROMIUM_PATH} (REQUIRE_BROWSER=1)`);
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => (port ? resolve(port) : reject(new Error('no port'))));
    });
  });
}

/** A built server running as its own process (unlike server/app.ts's in-process TandemServer). */
export interface ServerProcess {
  url: string;
  dataDir: string;
  /** The HS256 secret the server signs with, so tests can mint tokens a host application would. */
  authSecret: string;
  port: number;
  /** Everything the server printed, for failure messages. */
  output(): string;
  /** Stops the process and deletes its data directory. */
  stop(): Promise<void>;
  /** Stops the process (SIGTERM, graceful) but keeps the data, for a restart on the same port. */
  halt(): Promise<void>;
}

export interface ServerOptions {
  port?: number;
  dataDir?: string;
  authSecret?: string;
  /** SIGNUP_MODE. Tests sign up many people on one server, so 'open' unless a test says otherwise; null
   *  leaves it unset (the administrator decides in the app, invitation only by default). */
  signupMode?: 'open' | 'invite' | null;
  /** More environment (e.g. OIDC_*). */
  env?: Record<string, string>;
}

/** Starts `node dist/server/server/main.js` (run `npm run build` first) and resolves once it listens. */
export async function startServer(options: ServerOptions = {}): Promise<ServerProcess> {
  if (!fs.existsSync(SERVER_ENTRY)) throw new Error(`${SERVER_ENTRY} is missing: run \`npm run build\` first`);
  const port = options.port ?? (await freePort());
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-e2e-'));
  const authSecret = options.authSecret ?? randomBytes(32).toString('hex');
  const child = spawn(process.execPath, [SERVER_ENTRY], {
    cwd: repoRoot,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      AUTH_SECRET: authSecret,
      SIGNUP_MODE: options.signupMode === undefined ? 'open' : (options.signupMode ?? ''),
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error('server did not print "listening" in time')), SERVER_START_TIMEOUT_MS);
    const onData = (): void => {
      if (output.includes('"msg":"listening"')) {
        cleanup();
        resolve();
      }
    };
    const onExit = (code: number | null): void => fail(new Error(`server exited with ${code} before listening`));
    function cleanup(): void {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.off('exit', onExit);
    }
    function fail(error: Error): void {
      cleanup();
      child.kill('SIGKILL');
      reject(new Error(`${error.message}\n--- server output ---\n${output}`));
    }
    child.stdout.on('data', onData);
    child.once('exit', onExit);
  });

  return {
    url: `http://127.0.0.1:${port}`,
    dataDir,
    authSecret,
    port,
    output: () => output,
    stop: () => stopChild(child).finally(() => fs.rmSync(dataDir, { recursive: true, force: true })),
    halt: () => stopChild(child),
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), SERVER_STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

export interface UserPage {
  context: BrowserContext;
  page: Page;
  /** Uncaught page errors; a test asserts this stays empty. */
  errors: string[];
  /** The account (null for a browser that has none, e.g. a guest before joining). */
  me: Me | null;
  email: string;
  baseUrl: string;
}

export const TEST_PASSWORD = 'correct horse battery staple';

let emailCounter = 0;
/** A fresh, plausible email per call, unique across test files sharing nothing but the clock. */
export function uniqueEmail(name: string): string {
  emailCounter += 1;
  const local = name.toLowerCase().replace(/[^a-z0-9]+/g, '.').replace(/^\.|\.$/g, '') || 'someone';
  return `${local}.${process.pid}.${emailCounter}.${randomBytes(2).toString('hex')}@example.test`;
}

/** A fresh browser profile (own cookies, localStorage and IndexedDB) with nobody signed in, on the home page. */
export async function newBrowser(browser: Browser, baseUrl: string, options: BrowserContextOptions = {}): Promise<UserPage> {
  const context = await browser.newContext({ baseURL: baseUrl, viewport: { width: 1200, height: 800 }, ...options });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  return { context, page, errors, me: null, email: '', baseUrl };
}

/**
 * The accounts API from inside a browser context, as the page would call it: the context's cookies (so a
 * sign-up signs this browser in), the page's Origin, and the CSRF header echoing the `tandem_csrf` cookie.
 */
export async function api<T = unknown>(user: UserPage, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', urlPath: string, body?: unknown): Promise<T> {
  const cookies = await user.context.cookies(user.baseUrl);
  const csrf = cookies.find((cookie) => cookie.name === CSRF_COOKIE)?.value;
  const headers: Record<string, string> = { origin: user.baseUrl };
  if (csrf && method !== 'GET') headers[CSRF_HEADER] = csrf;
  const response = await user.context.request.fetch(`${user.baseUrl}${urlPath}`, { method, headers, data: body === undefined ? (method === 'GET' || method === 'DELETE' ? undefined : {}) : body });
  const text = await response.text();
  if (!response.ok()) throw new Error(`${method} ${urlPath} answered ${response.status()}: ${text}`);
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

/** A fresh browser profile that has signed up as `name` (through the API; accounts.test.ts signs up through the page). */
export async function newUser(browser: Browser, baseUrl: string, name: string, options: BrowserContextOptions = {}): Promise<UserPage> {
  const user = await newBrowser(browser, baseUrl, options);
  user.email = uniqueEmail(name);
  user.me = await api<Me>(user, 'POST', '/api/auth/signup', { name, email: user.email, password: TEST_PASSWORD });
  await user.page.goto('/');
  await user.page.getByTestId('home').waitFor();
  return user;
}

/** A new document owned by `owner`; its id is also its address (`/d/<id>`). */
export async function createDocument(owner: UserPage, title?: string): Promise<string> {
  const created = await api<DocumentInfo>(owner, 'POST', '/api/documents', title === undefined ? {} : { title });
  return created.id;
}

/** The owner gives `email` a role in the document. */
export async function shareWith(owner: UserPage, docId: string, email: string, role: ShareRole): Promise<Sharing> {
  return api<Sharing>(owner, 'PUT', `/api/documents/${docId}/members`, { email, role });
}

/** Link sharing off (null) or on with a role; answers the share link's path (`/d/<id>?link=<secret>`). */
export async function setLinkRole(owner: UserPage, docId: string, role: ShareRole | null): Promise<string> {
  const sharing = await api<Sharing>(owner, 'PUT', `/api/documents/${docId}/link`, { role });
  return `/d/${docId}?link=${encodeURIComponent(sharing.link.secret ?? '')}`;
}

export async function openDocument(page: Page, docName: string): Promise<void> {
  await page.goto(`/d/${docName}`);
  await waitForConnectionState(page, 'connected');
  await page.locator('.ProseMirror').waitFor();
}

export async function waitForConnectionState(page: Page, state: string, timeout = 15_000): Promise<void> {
  await page.locator(`[data-testid="connection-state"][data-state="${state}"]`).waitFor({ timeout });
}

/** The document's text, one line per top-level block, without other people's caret labels. */
export async function editorText(page: Page): Promise<string> {
  return page.locator('.ProseMirror').evaluate((editor) =>
    Array.from(editor.children)
      .map((block) => {
        const copy = block.cloneNode(true) as Element;
        for (const caret of copy.querySelectorAll('.collaboration-carets__caret')) caret.remove();
        return copy.textContent ?? '';
      })
      .join('\n'),
  );
}

/** A valid document name that no account owns: only host-application tokens open it. */
export function uniqueDocName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/** A built server and a Chromium for one describe block: started in beforeAll, closed in afterAll.
 *  Call inside the describe, before the block's own beforeAll; read the fields inside hooks and tests. */
export interface BrowserEnvironment {
  readonly server: ServerProcess;
  readonly browser: Browser;
}

export function browserEnvironment(): BrowserEnvironment {
  const env: { server?: ServerProcess; browser?: Browser } = {};
  beforeAll(async () => {
    env.server = await startServer();
    env.browser = await launchBrowser();
  });
  afterAll(async () => {
    await env.browser?.close();
    await env.server?.stop();
  });
  return {
    get server() {
      return required(env.server, 'server');
    },
    get browser() {
      return required(env.browser, 'browser');
    },
  };
}

/** Two people (separate browser contexts) with the same new document open: Ada owns it and shares it
 *  with Bob as an editor. */
export interface TwoPeople extends BrowserEnvironment {
  readonly ada: UserPage;
  readonly bob: UserPage;
  readonly docName: string;
}

export function twoPeopleInOneDocument(label: string, names: readonly [string, string] = ['Ada Lovelace', 'Bob Moog']): TwoPeople {
  const environment = browserEnvironment();
  const people: { ada?: UserPage; bob?: UserPage; docName?: string } = {};
  beforeAll(async () => {
    people.ada = await newUser(environment.browser, environment.server.url, names[0]);
    people.bob = await newUser(environment.browser, environment.server.url, names[1]);
    people.docName = await createDocument(people.ada, label);
    await shareWith(people.ada, people.docName, people.bob.email, 'editor');
    await openDocument(people.ada.page, people.docName);
    await openDocument(people.bob.page, people.docName);
  });
  return {
    get docName() {
      return required(people.docName, 'docName');
    },
    get server() {
      return environment.server;
    },
    get browser() {
      return environment.browser;
    },
    get ada() {
      return required(people.ada, 'ada');
    },
    get bob() {
      return required(people.bob, 'bob');
    },
  };
}

function required<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new Error(`${name} is not ready: use it inside a hook or test`);
  return value;
}

/** Saves a README screenshot only when it is missing or UPDATE_SCREENSHOT=1, so a test run never dirties
 *  tracked files. */
export async function saveScreenshot(page: Page, file: string): Promise<void> {
  if (fs.existsSync(file) && process.env.UPDATE_SCREENSHOT !== '1') return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await page.screenshot({ path: file });
}
