/**
 * SQLite on its own thread. better-sqlite3 is synchronous: run on the main thread, every COMMIT's fsync
 * (WAL, synchronous = FULL) blocks the event loop, and every room's deliveries wait behind it (the largest
 * self-time item in a profile of the server under load). Here a worker thread owns the connection; the main
 * thread sends it a statement, or a batch of statements with their BEGIN and COMMIT, and awaits the answer,
 * so the loop keeps delivering while the disk works. Each message costs a structured clone both ways and a
 * wake-up of each thread: an append is one batch, so one message each way, not one per statement.
 *
 * The worker's program is source text run with `eval`, so it works the same from the built JavaScript, under
 * tsx and under vitest (a worker file would need its own TypeScript loader in the last two, and the build
 * would have to copy it). It loads better-sqlite3 from the path the main thread resolved, not from the
 * worker's cwd.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export type WorkerOp = 'all' | 'get' | 'run' | 'exec' | 'close';

/** One statement of a batch, as the worker is sent it. */
export interface WorkerStatement {
  readonly sql: string;
  readonly params?: readonly unknown[];
}

/** What the worker is sent (see WORKER_SOURCE). */
type Request =
  | { id: number; op: WorkerOp; sql: string; params: readonly unknown[] }
  | { id: number; op: 'batch'; statements: readonly WorkerStatement[]; transaction: boolean };

type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; message: string; code?: string };

/**
 * The worker's program, as source text: plain JavaScript, because a function's own text would carry what the
 * TypeScript transform added to it (tsx's name-keeping helper, for one), which the worker does not have.
 * It answers each request `{ id, op, sql, params }` with `{ id, ok, result }` or `{ id, ok: false, message,
 * code }`, and sends `{ id: 0 }` once the connection is open. A `batch` request `{ id, op: 'batch',
 * statements, transaction }` runs each `{ sql, params }` in order and answers `[{ rows, changes }, …]`; with
 * `transaction` it wraps them in BEGIN IMMEDIATE … COMMIT and rolls back if any of them (or COMMIT) fails.
 * A parameter `{ earlier, column, plus }` stands for a number an earlier statement of the batch returned.
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
// A parameter { earlier, column, plus } is a number from an earlier statement's first row (database.ts,
// resolveEarlierAnswer: keep the two alike).
function earlierAnswer(param, results) {
  if (typeof param !== 'object' || param === null || ArrayBuffer.isView(param)) return param;
  const row = results[param.earlier] && results[param.earlier].rows[0];
  const value = row ? row[param.column] : undefined;
  if (typeof value !== 'number') throw new Error('batch statement ' + param.earlier + ' answered no number in ' + param.column);
  return value + param.plus;
}
// A statement that returns rows (SELECT, RETURNING) is read with all(): run() would drop its rows.
function runBatch(statements) {
  const results = [];
  for (const { sql, params = [] } of statements) {
    const prepared = statement(sql);
    const values = params.map((param) => earlierAnswer(param, results));
    if (prepared.reader) {
      const rows = prepared.all(...values);
      results.push({ rows, changes: rows.length });
    } else {
      results.push({ rows: [], changes: prepared.run(...values).changes });
    }
  }
  return results;
}
function transaction(statements) {
  db.exec('BEGIN IMMEDIATE');
  try {
    const results = runBatch(statements);
    db.exec('COMMIT');
    return results;
  } catch (error) {
    // Some failures end the transaction themselves; the caller gets the statement's error either way.
    if (db.inTransaction) {
      try { db.exec('ROLLBACK'); } catch {}
    }
    throw error;
  }
}
parentPort.on('message', (request) => {
  try {
    let result = null;
    if (request.op === 'all') result = statement(request.sql).all(...request.params);
    else if (request.op === 'get') result = statement(request.sql).get(...request.params);
    else if (request.op === 'run') result = statement(request.sql).run(...request.params).changes;
    else if (request.op === 'exec') db.exec(request.sql);
    else if (request.op === 'batch') result = request.transaction ? transaction(request.statements) : runBatch(request.statements);
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

/** One SQLite connection in a worker thread: `call` runs one operation there, `batch` a list of statements
 *  (in a transaction of its own, or in the one the caller opened with `call('exec', 'BEGIN …')`). Each is one
 *  message to the worker and one back. */
export interface SqliteWorker {
  call(op: WorkerOp, sql?: string, params?: readonly unknown[]): Promise<unknown>;
  batch(statements: readonly WorkerStatement[], options: { transaction: boolean }): Promise<unknown>;
  /** For tests: how many requests have been posted to the worker (each gets exactly one reply). */
  readonly requestsSent: number;
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

  let requestsSent = 0;
  const send = (request: Request): Promise<unknown> => {
    if (dead) return Promise.reject(dead);
    if (pending.size === 0) worker.ref();
    return new Promise((resolve, reject) => {
      pending.set(request.id, { resolve, reject });
      requestsSent++;
      worker.postMessage(request);
    });
  };
  const call = (op: WorkerOp, sql = '', params: readonly unknown[] = []): Promise<unknown> => send({ id: nextId++, op, sql, params });
  return {
    call,
    batch: (statements, { transaction }) => send({ id: nextId++, op: 'batch', statements, transaction }),
    get requestsSent() {
      return requestsSent;
    },
    close: async () => {
      if (dead) return;
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      await call('close');
      dead = new Error('SQLite database is closed');
      // The reply unref'd the thread; until it has exited, something must keep the process alive, or a
      // script whose last work is this close ends with its await unsettled (exit code 13).
      worker.ref();
      await exited;
    },
    terminate: async () => {
      await worker.terminate();
    },
  };
}
