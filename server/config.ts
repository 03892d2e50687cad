/** Server configuration from the environment. Bad values are refused at start with a message naming the variable. */
import path from 'node:path';
import { SignupMode } from '../shared/accounts/api.js';
import { type OidcSettings, oidcSettingsFromEnv } from './accounts/oidcSettings.js';
import { ConfigError } from './configError.js';
import { type HistorySettings, historySettingsFromEnv } from './history/settings.js';
import { type HttpSettings, httpSettingsFromEnv } from './http/httpSettings.js';
import { isLogLevelName, type LogLevelName } from './log.js';
import { DEFAULT_DOCUMENT_QUOTA_BYTES, MIN_DOCUMENT_QUOTA_BYTES } from './room/documentQuota.js';

export interface ServerConfig {
  port: number;
  host: string;
  dataDir: string;
  /** `postgres://…` switches storage to PostgreSQL; otherwise SQLite in `dataDir`. */
  databaseUrl: string | null;
  redisUrl: string | null;
  /** HS256 secret; null means "create one in dataDir and keep it". */
  authSecret: string | null;
  logLevel: LogLevelName;
  /** Built client to serve; null serves no static files (API and WebSocket only). */
  staticDir: string | null;
  /** Timeline retention and snapshot cadence (HISTORY_* variables, see server/history/settings.ts). */
  history: HistorySettings;
  /** DOCUMENT_QUOTA_BYTES: what one document may occupy in storage, history and versions included
   *  (server/room/documentQuota.ts). */
  documentQuotaBytes: number;
  /** SIGNUP_MODE (open | invite): who may create an account; unset, the administrator decides in the app. */
  signupMode: SignupMode | null;
  /** OpenID Connect sign-in (OIDC_* and PUBLIC_URL, see server/accounts/oidcSettings.ts); unset or null: none. */
  oidc?: OidcSettings | null;
  /** Origin checks, timeouts and connection caps (ALLOWED_ORIGINS, MAX_*_CONNECTIONS*, HTTP_*_TIMEOUT_MS,
   *  see server/http/httpSettings.ts); unset: the defaults there. */
  http?: HttpSettings;
}

export { ConfigError };

/** Shorter secrets make HS256 tokens guessable offline. */
const MIN_SECRET_LENGTH = 32;

export function loadConfig(env: NodeJS.ProcessEnv, defaults: { staticDir: string | null }): ServerConfig {
  const port = parsePort(env.PORT);
  const databaseUrl = nonEmpty(env.DATABASE_URL);
  if (databaseUrl !== null && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError(`DATABASE_URL must start with postgres:// or postgresql:// (got "${redact(databaseUrl)}")`);
  }
  const redisUrl = nonEmpty(env.REDIS_URL);
  if (redisUrl !== null && !/^rediss?:\/\//.test(redisUrl)) {
    throw new ConfigError(`REDIS_URL must start with redis:// or rediss:// (got "${redact(redisUrl)}")`);
  }
  const authSecret = nonEmpty(env.AUTH_SECRET);
  if (authSecret !== null && authSecret.length < MIN_SECRET_LENGTH) {
    throw new ConfigError(`AUTH_SECRET must be at least ${MIN_SECRET_LENGTH} characters`);
  }
  const logLevel = nonEmpty(env.LOG_LEVEL) ?? 'info';
  if (!isLogLevelName(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of debug, info, warn, error, silent (got "${logLevel}")`);
  }
  return {
    port,
    host: nonEmpty(env.HOST) ?? 'localhost',
    dataDir: path.resolve(nonEmpty(env.DATA_DIR) ?? './data'),
    databaseUrl,
    redisUrl,
    authSecret,
    logLevel,
    staticDir: nonEmpty(env.STATIC_DIR) ?? defaults.staticDir,
    history: historySettingsFromEnv(env),
    documentQuotaBytes: parseDocumentQuota(env.DOCUMENT_QUOTA_BYTES),
    signupMode: parseSignupMode(env.SIGNUP_MODE),
    oidc: oidcSettingsFromEnv(env),
    http: httpSettingsFromEnv(env),
  };
}

/** A whole number of bytes (digits only: no units, exponents or fractions), at least 1 MiB. */
function parseDocumentQuota(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return DEFAULT_DOCUMENT_QUOTA_BYTES;
  const value = /^\d{1,16}$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < MIN_DOCUMENT_QUOTA_BYTES) {
    throw new ConfigError(`DOCUMENT_QUOTA_BYTES must be a whole number of bytes, at least ${MIN_DOCUMENT_QUOTA_BYTES} (1 MiB) (got "${raw}")`);
  }
  return value;
}

function parseSignupMode(raw: string | undefined): SignupMode | null {
  const value = nonEmpty(raw);
  if (value === null) return null;
  if (value !== SignupMode.open && value !== SignupMode.invite) throw new ConfigError(`SIGNUP_MODE must be open or invite (got "${value}")`);
  return value;
}

function parsePort(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return 1234;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`PORT must be an integer from 0 to 65535 (got "${raw}")`);
  }
  return port;
}

function nonEmpty(value: string | undefined): string | null {
  return value === undefined || value.trim() === '' ? null : value.trim();
}

/** Never echo credentials embedded in a URL back into logs. */
function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
