/** Accounts: users (with password or OpenID identity, or guests), invitations and install-wide settings. */
import crypto from 'node:crypto';
import { type AdminUser, type Me, normalizeEmail, SignupMode } from '../../shared/accounts/api.js';
import { colorForId } from '../../shared/colors.js';
import type { SqlDatabase, SqlRow } from '../storage/sql/database.js';

export interface User {
  id: string;
  email: string | null;
  name: string;
  color: string;
  passwordHash: string | null;
  isAdmin: boolean;
  isGuest: boolean;
  disabled: boolean;
  createdAt: number;
}

const USER_COLUMNS = 'id, email, name, color, password_hash, is_admin, is_guest, disabled, created_at';

function toUser(row: SqlRow): User {
  return {
    id: String(row.id),
    email: row.email === null ? null : String(row.email),
    name: String(row.name),
    color: String(row.color),
    passwordHash: row.password_hash === null ? null : String(row.password_hash),
    isAdmin: Number(row.is_admin) === 1,
    isGuest: Number(row.is_guest) === 1,
    disabled: Number(row.disabled) === 1,
    createdAt: Number(row.created_at),
  };
}

export function toMe(user: User): Me {
  return { id: user.id, email: user.email, name: user.name, color: user.color, isAdmin: user.isAdmin, isGuest: user.isGuest };
}

export function toAdminUser(user: User): AdminUser {
  return { id: user.id, email: user.email, name: user.name, isAdmin: user.isAdmin, disabled: user.disabled, createdAt: user.createdAt };
}

export class Users {
  constructor(private readonly db: SqlDatabase) {}

  async byId(id: string): Promise<User | null> {
    const row = await this.db.get(`SELECT ${USER_COLUMNS} FROM tandem_users WHERE id = ?`, [id]);
    return row ? toUser(row) : null;
  }

  async byEmail(email: string): Promise<User | null> {
    const row = await this.db.get(`SELECT ${USER_COLUMNS} FROM tandem_users WHERE email = ?`, [normalizeEmail(email)]);
    return row ? toUser(row) : null;
  }

  async byOidc(issuer: string, subject: string): Promise<User | null> {
    const row = await this.db.get(`SELECT ${USER_COLUMNS} FROM tandem_users WHERE oidc_issuer = ? AND oidc_subject = ?`, [issuer, subject]);
    return row ? toUser(row) : null;
  }

  async hasAnyAccount(): Promise<boolean> {
    return (await this.db.get('SELECT id FROM tandem_users WHERE is_guest = 0 LIMIT 1')) !== undefined;
  }

  /**
   * Creates an account. The first one on an install is the administrator: decided inside the transaction,
   * so two sign-ups racing on a fresh install cannot both become it. Returns null when the email is taken.
   */
  async createAccount(input: { email: string; name: string; passwordHash: string | null; oidc?: { issuer: string; subject: string } }): Promise<User | null> {
    const email = normalizeEmail(input.email);
    return this.db.transaction(async (tx) => {
      if (await tx.get('SELECT id FROM tandem_users WHERE email = ?', [email])) return null;
      const first = (await tx.get('SELECT id FROM tandem_users WHERE is_guest = 0 LIMIT 1')) === undefined;
      const id = `u-${crypto.randomUUID()}`;
      await tx.run(
        `INSERT INTO tandem_users (id, email, name, color, password_hash, oidc_issuer, oidc_subject, is_admin, is_guest, disabled, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?)`,
        [id, email, input.name, colorForId(id), input.passwordHash, input.oidc?.issuer ?? null, input.oidc?.subject ?? null, first ? 1 : 0, Date.now()],
      );
      await tx.run('DELETE FROM tandem_invites WHERE email = ?', [email]);
      const row = await tx.get(`SELECT ${USER_COLUMNS} FROM tandem_users WHERE id = ?`, [id]);
      return row ? toUser(row) : null;
    });
  }

  /** Links an existing account (same verified email) to an OpenID identity. */
  async linkOidc(userId: string, issuer: string, subject: string): Promise<void> {
    await this.db.run('UPDATE tandem_users SET oidc_issuer = ?, oidc_subject = ? WHERE id = ?', [issuer, subject, userId]);
  }

  async createGuest(name: string): Promise<User> {
    const id = `g-${crypto.randomUUID()}`;
    await this.db.run(
      `INSERT INTO tandem_users (id, email, name, color, password_hash, is_admin, is_guest, disabled, created_at) VALUES (?, NULL, ?, ?, NULL, 0, 1, 0, ?)`,
      [id, name, colorForId(id), Date.now()],
    );
    return (await this.byId(id)) as User;
  }

  async setPasswordHash(userId: string, hash: string): Promise<void> {
    await this.db.run('UPDATE tandem_users SET password_hash = ? WHERE id = ?', [hash, userId]);
  }

  async setDisabled(userId: string, disabled: boolean): Promise<User | null> {
    await this.db.run('UPDATE tandem_users SET disabled = ? WHERE id = ?', [disabled ? 1 : 0, userId]);
    return this.byId(userId);
  }

  async listAccounts(): Promise<User[]> {
    return (await this.db.all(`SELECT ${USER_COLUMNS} FROM tandem_users WHERE is_guest = 0 ORDER BY created_at`)).map(toUser);
  }

  // Invitations and settings --------------------------------------------------------------------------

  async invite(email: string, invitedBy: string): Promise<void> {
    const normalized = normalizeEmail(email);
    if (await this.db.get('SELECT email FROM tandem_invites WHERE email = ?', [normalized])) return;
    await this.db.run('INSERT INTO tandem_invites (email, invited_by, created_at) VALUES (?, ?, ?)', [normalized, invitedBy, Date.now()]);
  }

  /** Invited: by an administrator, or by someone who shared a document with this email. */
  async isInvited(email: string): Promise<boolean> {
    const normalized = normalizeEmail(email);
    if (await this.db.get('SELECT email FROM tandem_invites WHERE email = ?', [normalized])) return true;
    return (await this.db.get('SELECT email FROM tandem_doc_members WHERE email = ? LIMIT 1', [normalized])) !== undefined;
  }

  async signupMode(): Promise<SignupMode | null> {
    const row = await this.db.get("SELECT value FROM tandem_settings WHERE key = 'signup_mode'");
    return row?.value === SignupMode.open || row?.value === SignupMode.invite ? row.value : null;
  }

  async setSignupMode(mode: SignupMode): Promise<void> {
    const changed = await this.db.run("UPDATE tandem_settings SET value = ? WHERE key = 'signup_mode'", [mode]);
    if (changed === 0) await this.db.run("INSERT INTO tandem_settings (key, value) VALUES ('signup_mode', ?)", [mode]);
  }
}
