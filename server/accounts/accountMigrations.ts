/**
 * The accounts schema, as numbered migrations (`migrate` in server/storage/sql/migrations.ts). Never edit a released
 * migration: add the next number. SQL here runs unchanged on SQLite and PostgreSQL.
 */
import type { Migration } from '../storage/sql/migrations.js';

export const ACCOUNTS_MIGRATIONS_TABLE = 'tandem_accounts_migrations';

export const ACCOUNTS_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    statements: [
      // email is null for guests (link holders without an account); OIDC users may have no password.
      `CREATE TABLE tandem_users (
        id TEXT PRIMARY KEY,
        email TEXT UNIQUE,
        name TEXT NOT NULL,
        color TEXT NOT NULL,
        password_hash TEXT,
        oidc_issuer TEXT,
        oidc_subject TEXT,
        is_admin INTEGER NOT NULL DEFAULT 0,
        is_guest INTEGER NOT NULL DEFAULT 0,
        disabled INTEGER NOT NULL DEFAULT 0,
        created_at BIGINT NOT NULL
      )`,
      `CREATE UNIQUE INDEX tandem_users_oidc ON tandem_users (oidc_issuer, oidc_subject)`,
      // The cookie holds a random secret; only its SHA-256 is stored, so a database leak is no session leak.
      `CREATE TABLE tandem_sessions (
        id TEXT PRIMARY KEY,
        token_hash TEXT NOT NULL UNIQUE,
        user_id TEXT NOT NULL REFERENCES tandem_users (id) ON DELETE CASCADE,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL
      )`,
      `CREATE INDEX tandem_sessions_user ON tandem_sessions (user_id)`,
      `CREATE TABLE tandem_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
      `CREATE TABLE tandem_invites (email TEXT PRIMARY KEY, invited_by TEXT, created_at BIGINT NOT NULL)`,
      // One row per document with an owner; its content lives in the document store under the same id.
      `CREATE TABLE tandem_doc_meta (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        owner_id TEXT NOT NULL REFERENCES tandem_users (id),
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        last_edited_by TEXT,
        deleted_at BIGINT,
        link_role TEXT,
        link_secret TEXT NOT NULL
      )`,
      `CREATE INDEX tandem_doc_meta_owner ON tandem_doc_meta (owner_id, updated_at)`,
      // People are shared with by email, account or not yet: whoever signs up with it gets the role.
      `CREATE TABLE tandem_doc_members (
        doc_id TEXT NOT NULL REFERENCES tandem_doc_meta (id) ON DELETE CASCADE,
        email TEXT NOT NULL,
        role TEXT NOT NULL,
        added_at BIGINT NOT NULL,
        PRIMARY KEY (doc_id, email)
      )`,
      `CREATE INDEX tandem_doc_members_email ON tandem_doc_members (email)`,
      // Who opened the document through its link, with the secret they came with: a reset changes the
      // document's secret, and every holder of the old one loses the link's role at once.
      `CREATE TABLE tandem_link_holders (
        doc_id TEXT NOT NULL REFERENCES tandem_doc_meta (id) ON DELETE CASCADE,
        user_id TEXT NOT NULL REFERENCES tandem_users (id) ON DELETE CASCADE,
        link_secret TEXT NOT NULL,
        seen_at BIGINT NOT NULL,
        PRIMARY KEY (doc_id, user_id)
      )`,
      `CREATE INDEX tandem_link_holders_user ON tandem_link_holders (user_id)`,
    ],
  },
];
