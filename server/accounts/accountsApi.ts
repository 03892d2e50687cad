/**
 * The accounts layer, composed: its database (SQLite file `accounts.sqlite` in DATA_DIR by default, the
 * same PostgreSQL database as the documents when DATABASE_URL is set), the services, and one HTTP
 * handler for `/api/auth`, `/api/admin` and `/api/documents` (grammar in shared/accounts/api.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { ADMIN_API, AUTH_API, DOCUMENTS_API, type SignupMode } from '../../shared/accounts/api.js';
import type { TokenService } from '../auth/tokens.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { RoomRegistry } from '../room/registry.js';
import { openPostgresDatabase, openSqliteDatabase, type SqlDatabase } from '../storage/sql/database.js';
import { migrate } from '../storage/sql/migrations.js';
import type { DocumentStore } from '../storage/types.js';
import { AccessControl } from './access.js';
import { ACCOUNTS_MIGRATIONS, ACCOUNTS_MIGRATIONS_TABLE } from './accountMigrations.js';
import { handleAdmin } from './adminRoutes.js';
import { adoptStoredDocuments, handleAuth } from './authRoutes.js';
import { Directory } from './directory.js';
import { handleDocuments } from './documentRoutes.js';
import { LiveAccess } from './liveAccess.js';
import type { OidcSignIn } from './oidc.js';
import { type AuthRateLimits, createAuthRateLimits } from './rateLimits.js';
import type { AccountsDeps } from './routeKit.js';
import { Sessions } from './sessions.js';
import { type User, Users } from './users.js';

export interface Accounts {
  readonly db: SqlDatabase;
  readonly users: Users;
  readonly sessions: Sessions;
  readonly directory: Directory;
  readonly access: AccessControl;
  readonly live: LiveAccess;
  /** Answers the accounts routes; resolves false for any other path. */
  handle(request: IncomingMessage, response: ServerResponse): Promise<boolean>;
  close(): Promise<void>;
}

export async function openAccountsDatabase(config: { dataDir: string; databaseUrl: string | null }): Promise<SqlDatabase> {
  const db = config.databaseUrl !== null ? await openPostgresDatabase(config.databaseUrl) : await openSqliteDatabase(path.join(config.dataDir, 'accounts.sqlite'));
  await migrate(db, ACCOUNTS_MIGRATIONS_TABLE, ACCOUNTS_MIGRATIONS);
  return db;
}

export function createAccounts(
  db: SqlDatabase,
  deps: {
    tokens: TokenService;
    store: DocumentStore;
    rooms: RoomRegistry;
    logger: Logger;
    metrics: Metrics;
    signupModeFromEnv: SignupMode | null;
    limits?: AuthRateLimits;
    oidc?: (services: { users: Users; sessions: Sessions; onAccountCreated(user: User): Promise<void> }) => OidcSignIn | null;
  },
): Accounts {
  const users = new Users(db);
  const sessions = new Sessions(db);
  const directory = new Directory(db);
  const access = new AccessControl({ users, sessions, directory, tokens: deps.tokens });
  const live = new LiveAccess({ access, logger: deps.logger, metrics: deps.metrics, onRoleChanged: (docName) => deps.rooms.get(docName)?.locks.reviewRoles() });
  const routeDeps: AccountsDeps = {
    users,
    sessions,
    directory,
    access,
    live,
    limits: deps.limits ?? createAuthRateLimits(),
    store: deps.store,
    rooms: deps.rooms,
    logger: deps.logger,
    metrics: deps.metrics,
    signupModeFromEnv: deps.signupModeFromEnv,
    // The first account inherits documents stored before accounts, however it signed up.
    oidc: deps.oidc?.({ users, sessions, onAccountCreated: async (user) => (user.isAdmin ? adoptStoredDocuments({ directory, store: deps.store, logger: deps.logger }, user) : undefined) }) ?? null,
  };

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<boolean> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const method = request.method ?? 'GET';
    const under = (prefix: string): string[] | null =>
      url.pathname === prefix || url.pathname.startsWith(`${prefix}/`) ? url.pathname.slice(prefix.length + 1).split('/') : null;
    let answered: boolean | false = false;
    const auth = under(AUTH_API);
    const admin = under(ADMIN_API);
    const documents = under(DOCUMENTS_API);
    if (auth) answered = await handleAuth(`${method} ${auth.join('/')}`, routeDeps, request, response);
    else if (admin) answered = await handleAdmin(admin, routeDeps, request, response);
    else if (documents) answered = await handleDocuments(documents.filter((part, index) => index > 0 || part !== ''), routeDeps, request, response, url);
    else return false;
    if (!answered && !response.headersSent) {
      response.writeHead(404, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ error: 'no such endpoint' }));
    }
    return true;
  }

  return { db, users, sessions, directory, access, live, handle, close: () => db.close() };
}
