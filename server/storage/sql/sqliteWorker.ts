/**
 * SQLite on its own thread. better-sqlite3 is synchronous: run on the main thread, every COMMIT's fsync
 * (WAL, synchronous = FULL) blocks the event loop, and every room's deliveries wait behind it (the largest
 * self-time item in a profile of the server under load). Here a worker thread owns the connection; the main
 * thread sends it one statement at a time and awaits the answer, so the loop keeps delivering while the
 * disk works.
 *
 * The worker's program is source text run with `eval`, so it works the same from the built JavaScript, under
 * tsx and under vitest (a worker file would need its own TypeScript loader in the last two, and the build
 * would have to copy it). It loads better-sqlite3 from the path the main thread resolved, not from the
 * worker's cwd.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export type WorkerOp = 'all' | 'get' | 'run' | 'exec' | 'close';

/** What the worker is sent (see WORKER_SOURCE). */
interface Request {
  id: number;
  op: WorkerOp;
  sql: string;
  params: readonly unknown[];
}

type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; message: string; code?: string };

/**
 * The worker's program, as source text: plain JavaScript, because a function's own text would carry what the
 * TypeScript transform added to it (tsx's name-keeping helper, for one), which the worker does not have.
 * It answers each request `{ id, op, sql, params }` with `{ id, ok, result }` or `{ id, ok: false, message,
 * code }`, and sends `{ id: 0 }` once the connection is open.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driverPath);
let db;
try {
  db = new Database(workerData.file);
  for (const pragma of workerData.pragmas) db.pragma(pragma);
} catch (error) {
  parentPort.postMessage({ id: 0, ok: false, message: String(error && error.message || error), code: error && error.code });
  throw error;
}
// Prepared statements, least recently used first (a Map keeps insertion order; a hit is re-inserted).
const cache = new Map();
function statement(sql) {
  let prepared = cache.get(sql);
  if (prepared) {
    cache.delete(sql);
  } else {
    prepared = db.prepare(sql);
    if (cache.size >= workerData.cacheSize) cache.delete(cache.keys().next().value);
  }
  cache.set(sql, prepared);
  return prepared;
}
parentPort.on('message', (request) => {
  try {
    let result = null;
    if (request.op === 'all') result = statement(request.sql).all(...request.params);
    else if (request.op === 'get') result = statement(request.sql).get(...request.params);
    else if (request.op === 'run') result = statement(request.sql).run(...request.params).changes;
    else if (request.op === 'exec') db.exec(request.sql);
    else if (request.op === 'close') {
      db.close();
      parentPort.postMessage({ id: request.id, ok: true, result: null });
      parentPort.close();
      return;
    }
    parentPort.postMessage({ id: request.id, ok: true, result });
  } catch (error) {
    parentPort.postMessage({ id: request.id, ok: false, message: String(error && error.message || error), code: error && error.code });
  }
});
parentPort.postMessage({ id: 0, ok: true, result: 'ready' });
`;

/** One SQLite connection in a worker thread: `call` runs one operation there. */
export interface SqliteWorker {
  call(op: WorkerOp, sql?: string, params?: readonly unknown[]): Promise<unknown>;
  /** Closes the connection and ends the thread. */
  close(): Promise<void>;
  /** For tests: kills the thread as a crash would. */
  terminate(): Promise<void>;
}

export async function startSqliteWorker(file: string, pragmas: readonly string[], cacheSize: number): Promise<SqliteWorker> {
  const driverPath = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, pragmas, driverPath, cacheSize } });
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let nextId = 1;
  let dead: Error | null = null;

  const ready = new Promise<void>((resolve, reject) => {
    pending.set(0, { resolve: () => resolve(), reject });
  });
  worker.on('message', (reply: Reply) => {
    const waiter = pending.get(reply.id);
    if (!waiter) return;
    pending.delete(reply.id);
    // An idle connection does not keep the process alive (as the in-process driver never did); a call does.
    if (pending.size === 0) worker.unref();
    if (reply.ok) waiter.resolve(reply.result);
    else waiter.reject(Object.assign(new Error(reply.message), reply.code ? { code: reply.code } : {}));
  });
  // A dead thread fails every call, now and later, instead of leaving a room waiting forever for its append.
  const die = (error: Error): void => {
    dead ??= error;
    for (const waiter of pending.values()) waiter.reject(dead);
    pending.clear();
  };
  worker.on('error', (error) => die(new Error(`SQLite worker failed: ${error.message}`)));
  worker.on('exit', (code) => die(new Error(`SQLite worker exited (code ${code})`)));
  await ready;

  const call = (op: WorkerOp, sql = '', params: readonly unknown[] = []): Promise<unknown> => {
    if (dead) return Promise.reject(dead);
    const id = nextId++;
    if (pending.size === 0) worker.ref();
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, op, sql, params } satisfies Request);
    });
  };
  return {
    call,
    close: async () => {
      if (dead) return;
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      await call('close');
      dead = new Error('SQLite database is closed');
      await exited;
    },
    terminate: async () => {
      await worker.terminate();
    },
  };
}
