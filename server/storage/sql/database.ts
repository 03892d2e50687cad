/**
 * The one SQL seam the server's databases are written against (the document store and the accounts layer):
 * the same statements run on SQLite (the embedded default) and PostgreSQL (DATABASE_URL). Statements use `?`
 * placeholders and only SQL both engines share; PostgreSQL gets them renumbered to `$1…`. Blobs go in and
 * come out as bytes on both (BLOB / BYTEA), and every integer column reads as a JavaScript number.
 */
import fs from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { startSqliteWorker, type SqliteWorker } from './sqliteWorker.js';

export type SqlValue = string | number | null | Uint8Array;
export type SqlRow = Record<string, SqlValue>;

/**
 * A parameter of a batch statement that comes from an earlier statement of the same batch: the number in
 * `column` of the first row statement `earlier` (its index in the batch) returned, plus `plus`. It is how a
 * batch uses a value the database hands out (a seq from `… RETURNING last_seq`) without waiting for the
 * answer in between: the engine's side fills it in, so the statements are the ones that would run with the
 * value written in.
 */
export interface SqlEarlierAnswer {
  readonly earlier: number;
  readonly column: string;
  readonly plus: number;
}

export type SqlParam = SqlValue | SqlEarlierAnswer;

/** One statement of a batch. */
export interface SqlStatement {
  readonly sql: string;
  readonly params?: readonly SqlParam[];
}

/** What one statement of a batch answered: the rows it returned (a SELECT, or RETURNING; none otherwise),
 *  and the rows it changed (for a statement that returns rows: how many it returned, as PostgreSQL counts). */
export interface SqlResult {
  rows: SqlRow[];
  changes: number;
}

export interface SqlDatabase {
  readonly dialect: 'sqlite' | 'postgres';
  all(sql: string, params?: readonly SqlValue[]): Promise<SqlRow[]>;
  get(sql: string, params?: readonly SqlValue[]): Promise<SqlRow | undefined>;
  /** Returns the number of rows changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
  /** Runs the statements in order in one transaction (inside `transaction`, in that one) and answers each
   *  one's result, in order. A statement that fails (or names an earlier answer without such a number) rolls
   *  the whole transaction back and rejects. The list is fixed before it starts, earlier answers reaching
   *  later statements only as `SqlEarlierAnswer` parameters: that lets SQLite send the whole list to its
   *  worker as one message (instead of one per statement plus BEGIN and COMMIT); PostgreSQL runs the
   *  statements one after another on one client. */
  batch(statements: readonly SqlStatement[]): Promise<SqlResult[]>;
  /** Runs `work` in one transaction; statements inside must go through the database it is given (a
   *  transaction opened on that one joins the outer transaction). */
  transaction<T>(work: (db: SqlDatabase) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

type Statements = Pick<SqlDatabase, 'dialect' | 'all' | 'get' | 'run' | 'batch'>;

/** Prepared statements kept per connection. Bounded: multi-row inserts make one statement per row count. */
const STATEMENT_CACHE_SIZE = 256;

/** Pragmas every SQLite connection opens with. */
const SQLITE_PRAGMAS = [
  'journal_mode = WAL',
  // FULL: a commit is fsynced before it resolves, so an acknowledged write survives power loss, not only a
  // process crash (NORMAL would only survive the latter in WAL mode).
  'synchronous = FULL',
  'busy_timeout = 5000',
  'foreign_keys = ON',
];

/** SQLite through a worker thread that owns the connection (sqliteWorker.ts: the fsync never blocks the
 *  event loop). `onWorker` hands tests the worker, to kill it as a crash would. */
export async function openSqliteDatabase(file: string, options: { onWorker?(worker: SqliteWorker): void } = {}): Promise<SqlDatabase> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const worker = await startSqliteWorker(file, SQLITE_PRAGMAS, STATEMENT_CACHE_SIZE);
  options.onWorker?.(worker);
  const direct: Statements = {
    dialect: 'sqlite',
    all: async (sql, params = []) => (await worker.call('all', sql, params)) as SqlRow[],
    get: async (sql, params = []) => (await worker.call('get', sql, params)) as SqlRow | undefined,
    run: async (sql, params = []) => (await worker.call('run', sql, params)) as number,
    // Inside a transaction: the statements join it, and its own ROLLBACK undoes them if one fails.
    batch: async (statements) => (await worker.batch(statements, { transaction: false })) as SqlResult[],
  };
  const inTransaction: SqlDatabase = { ...direct, transaction: (work) => work(inTransaction), close: async () => undefined };
  // One connection: while a transaction awaits between its statements, another caller's statement would
  // run inside it (and read its uncommitted rows, or be rolled back with it). Every call waits its turn.
  let queue: Promise<unknown> = Promise.resolve();
  function queued<T>(work: () => Promise<T>): Promise<T> {
    const next = queue.then(work);
    queue = next.catch(() => undefined);
    return next;
  }
  return {
    dialect: 'sqlite',
    all: (sql, params) => queued(() => direct.all(sql, params)),
    get: (sql, params) => queued(() => direct.get(sql, params)),
    run: (sql, params) => queued(() => direct.run(sql, params)),
    // BEGIN IMMEDIATE, the statements and COMMIT (or ROLLBACK) all happen in the worker: one message each way.
    batch: (statements) =>
      statements.length === 0 ? Promise.resolve([]) : queued(async () => (await worker.batch(statements, { transaction: true })) as SqlResult[]),
    transaction: (work) =>
      queued(async () => {
        await worker.call('exec', 'BEGIN IMMEDIATE');
        try {
          const result = await work(inTransaction);
          await worker.call('exec', 'COMMIT');
          return result;
        } catch (error) {
          // A dead worker has no transaction left to roll back; the caller gets the original error.
          await worker.call('exec', 'ROLLBACK').catch(() => undefined);
          throw error;
        }
      }),
    close: () => queued(() => worker.close()),
  };
}

interface PgQueryable {
  query(sql: string, params: unknown[]): Promise<{ rows: SqlRow[]; rowCount: number | null }>;
}

export async function openPostgresDatabase(url: string, options: { maxConnections?: number } = {}): Promise<SqlDatabase> {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: url, max: options.maxConnections ?? 4, types: { getTypeParser: numbersAsNumbers(pg.types) } });
  const over = (client: PgQueryable): Omit<Statements, 'batch'> => ({
    dialect: 'postgres',
    all: async (sql, params = []) => (await client.query(numbered(sql), params.map(toPgParam))).rows,
    get: async (sql, params = []) => (await client.query(numbered(sql), params.map(toPgParam))).rows[0],
    run: async (sql, params = []) => (await client.query(numbered(sql), params.map(toPgParam))).rowCount ?? 0,
  });
  /** The statements one after another on one client (pg pipelines nothing; each is its own round trip). */
  const serially =
    (client: PgQueryable): Statements['batch'] =>
    async (statements) => {
      const results: SqlResult[] = [];
      for (const { sql, params = [] } of statements) {
        const values = params.map((param) => toPgParam(resolveEarlierAnswer(param, results)));
        const { rows, rowCount } = await client.query(numbered(sql), values);
        results.push({ rows, changes: rowCount ?? 0 });
      }
      return results;
    };
  const database: SqlDatabase = {
    ...over(pool),
    // On the pool each statement could take another client: the batch gets a transaction, and so one client.
    batch: (statements) => (statements.length === 0 ? Promise.resolve([]) : database.transaction((tx) => tx.batch(statements))),
    async transaction<T>(work: (inner: SqlDatabase) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query('BEGIN');
        const inner: SqlDatabase = { ...over(client), batch: serially(client), transaction: (nested) => nested(inner), close: async () => undefined };
        const result = await work(inner);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        // A connection that cannot even roll back is discarded, not handed to the next caller.
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw error;
      } finally {
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
  return database;
}

function numbered(sql: string): string {
  let index = 0;
  return sql.replace(/\?/g, () => `$${++index}`);
}

/** pg sends a Buffer as bytea; a plain Uint8Array is wrapped (no copy) so it is not sent as an array. */
function toPgParam(value: SqlValue): unknown {
  return value instanceof Uint8Array && !Buffer.isBuffer(value) ? Buffer.from(value.buffer, value.byteOffset, value.byteLength) : value;
}

/** BIGINT (and the NUMERIC a sum() of them gives) arrive from pg as strings by default. Every number the
 *  server stores (times in ms, seqs, byte counts, Yjs clientIDs) fits a double exactly. */
function numbersAsNumbers(types: typeof pg.types): typeof pg.types.getTypeParser {
  return ((oid: number, format?: 'text' | 'binary') =>
    oid === types.builtins.INT8 || oid === types.builtins.NUMERIC ? (value: string) => Number(value) : types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser;
}

/** Most bound parameters one statement may carry (SQLite's default limit; PostgreSQL allows 65535). */
const MAX_PARAMS_PER_STATEMENT = 32_766;

function isEarlierAnswer(param: SqlParam): param is SqlEarlierAnswer {
  return typeof param === 'object' && param !== null && !(param instanceof Uint8Array);
}

/** The value a parameter stands for, given the answers so far. The SQLite worker has its own copy of this
 *  (`earlierAnswer` in sqliteWorker.ts, plain JavaScript): keep the two alike. */
function resolveEarlierAnswer(param: SqlParam, results: readonly SqlResult[]): SqlValue {
  if (!isEarlierAnswer(param)) return param;
  const value = results[param.earlier]?.rows[0]?.[param.column];
  if (typeof value !== 'number') throw new Error(`batch statement ${param.earlier} answered no number in ${param.column}`);
  return value + param.plus;
}

/**
 * The statements that insert `rows`, as few as the parameter limit allows (one for any batch a room writes):
 * `INSERT INTO table (columns) VALUES (?, …), (?, …) <suffix>`, where `suffix` may hold an ON CONFLICT clause.
 */
export function insertStatements(
  table: string,
  columns: readonly string[],
  rows: ReadonlyArray<readonly SqlParam[]>,
  suffix = '',
): SqlStatement[] {
  const statements: SqlStatement[] = [];
  let tuples: string[] = [];
  let params: SqlParam[] = [];
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  const flush = (): void => {
    statements.push({ sql: `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${tuples.join(', ')} ${suffix}`, params });
    tuples = [];
    params = [];
  };
  for (const row of rows) {
    if (tuples.length > 0 && params.length + row.length > MAX_PARAMS_PER_STATEMENT) flush();
    tuples.push(tuple);
    params.push(...row);
  }
  if (tuples.length > 0) flush();
  return statements;
}
