/** Starting the real Tandem server for tests: in-process on port 0, or as a child process that can be SIGKILLed. */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTandemServer, type TandemServer } from '../../server/app.js';
import type { ServerConfig } from '../../server/config.js';
import { DEFAULT_HISTORY_SETTINGS } from '../../server/history/settings.js';
import { DEFAULT_HTTP_SETTINGS } from '../../server/http/httpSettings.js';
import { DEFAULT_DOCUMENT_QUOTA_BYTES } from '../../server/room/documentQuota.js';

export const TEST_AUTH_SECRET = 'integration-test-secret-0123456789abcdef';
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function tempDataDir(label = 'tandem'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${label}-`));
}

export async function startTestServer(
  overrides: Partial<ServerConfig> = {},
  options: Parameters<typeof createTandemServer>[1] = {},
): Promise<TandemServer> {
  return createTandemServer(
    {
      port: 0,
      host: '127.0.0.1',
      dataDir: overrides.dataDir ?? tempDataDir(),
      databaseUrl: null,
      redisUrl: null,
      authSecret: TEST_AUTH_SECRET,
      logLevel: 'silent',
      staticDir: null,
      history: DEFAULT_HISTORY_SETTINGS,
      documentQuotaBytes: DEFAULT_DOCUMENT_QUOTA_BYTES,
      // Tests sign up many people on one server; tests of invitation-only sign-up set 'invite'.
      signupMode: 'open',
      http: DEFAULT_HTTP_SETTINGS,
      ...overrides,
    },
    options,
  );
}

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly port: number;
  /** Resolves with the exit code/signal once the process is gone. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything the process printed so far. */
  output(): string;
}

/** Runs `server/main.ts` in its own process (so it can be killed with SIGKILL) and waits until it listens.
 *  `root`: another checkout to run (benchmarks compare against an older commit's server). `built`: run the
 *  compiled server (`npm run build:server`, dist/server) as `npm start` does, without tsx's loader thread
 *  and its memory: what the benchmarks measure. */
export async function spawnServer(options: { dataDir: string; port?: number; env?: Record<string, string>; root?: string; built?: boolean }): Promise<ServerProcess> {
  const root = options.root ?? REPO_ROOT;
  const args = options.built ? ['--enable-source-maps', path.join(root, 'dist/server/server/main.js')] : ['--import', 'tsx', path.join(root, 'server/main.ts')];
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(options.port ?? 0),
      HOST: '127.0.0.1',
      DATA_DIR: options.dataDir,
      AUTH_SECRET: TEST_AUTH_SECRET,
      LOG_LEVEL: 'info',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start within 30 s:\n${output}`)), 30_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /"msg":"listening","url":"([^"]+)"/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`server exited early (code ${code}, signal ${signal}):\n${output}`));
    });
  });
  return { child, url, port: Number(new URL(url).port), exited, output: () => output };
}
