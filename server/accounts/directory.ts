/**
 * Owned documents: title, owner, last edit, trash, members (by email) and link sharing. The content of a
 * document lives in the document store under the same id; this is who may reach it and how it is listed.
 */
import crypto from 'node:crypto';
import { DEFAULT_TITLE, type DocumentRole, type DocumentSummary, type Member, type PersonRef, normalizeEmail, type ShareRole, isShareRole } from '../../shared/accounts/api.js';
import type { SqlDatabase, SqlRow } from '../storage/sql/database.js';
import type { User } from './users.js';

export interface DocumentMeta {
  id: string;
  title: string;
  ownerId: string;
  createdAt: number;
  updatedAt: number;
  lastEditedBy: string | null;
  deletedAt: number | null;
  linkRole: ShareRole | null;
  linkSecret: string;
}

const META_COLUMNS = 'id, title, owner_id, created_at, updated_at, last_edited_by, deleted_at, link_role, link_secret';

function toMeta(row: SqlRow): DocumentMeta {
  return {
    id: String(row.id),
    title: String(row.title),
    ownerId: String(row.owner_id),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    lastEditedBy: row.last_edited_by === null ? null : String(row.last_edited_by),
    deletedAt: row.deleted_at === null ? null : Number(row.deleted_at),
    linkRole: isShareRole(row.link_role) ? row.link_role : null,
    linkSecret: String(row.link_secret),
  };
}

/** 128 random bits: an id nobody guesses, in the document-name alphabet. */
export const newDocumentId = (): string => crypto.randomBytes(16).toString('base64url');
const newLinkSecret = (): string => crypto.randomBytes(18).toString('base64url');

const ROLE_RANK: Record<DocumentRole, number> = { viewer: 1, commenter: 2, editor: 3, owner: 4 };
export const higherRole = (a: DocumentRole | null, b: DocumentRole | null): DocumentRole | null =>
  a === null ? b : b === null ? a : ROLE_RANK[a] >= ROLE_RANK[b] ? a : b;

/** LIKE pattern for a title search: the words as typed, wildcards escaped, case-folded by the query. */
function titlePattern(query: string): string {
  return `%${query.trim().toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export class Directory {
  constructor(private readonly db: SqlDatabase) {}

  async create(owner: User, title: string | undefined): Promise<DocumentMeta> {
    const now = Date.now();
    const meta: DocumentMeta = {
      id: newDocumentId(),
      title: title?.trim() || DEFAULT_TITLE,
      ownerId: owner.id,
      createdAt: now,
      updatedAt: now,
      lastEditedBy: null,
      deletedAt: null,
      linkRole: null,
      linkSecret: newLinkSecret(),
    };
    await this.db.run(`INSERT INTO tandem_doc_meta (${META_COLUMNS}) VALUES (?, ?, ?, ?, ?, NULL, NULL, NULL, ?)`, [meta.id, meta.title, meta.ownerId, now, now, meta.linkSecret]);
    return meta;
  }

  /**
   * Gives documents stored before accounts existed (guest-era names, no directory row) to `owner`, titled
   * by their old name, so an upgraded install loses nothing: its first account inherits them all.
   */
  async adopt(owner: User, documents: ReadonlyArray<{ name: string; updatedAt: number }>): Promise<number> {
    let adopted = 0;
    for (const { name, updatedAt } of documents) {
      if (await this.get(name)) continue;
      await this.db.run(`INSERT INTO tandem_doc_meta (${META_COLUMNS}) VALUES (?, ?, ?, ?, ?, NULL, NULL, NULL, ?)`, [name, name.slice(0, 200), owner.id, updatedAt, updatedAt, newLinkSecret()]);
      adopted++;
    }
    return adopted;
  }

  async get(id: string): Promise<DocumentMeta | null> {
    const row = await this.db.get(`SELECT ${META_COLUMNS} FROM tandem_doc_meta WHERE id = ?`, [id]);
    return row ? toMeta(row) : null;
  }

  /**
   * The role `user` has in the document, or null: owner; else the best of a membership for their email
   * and the link's role when they hold the current link. Deleted documents and disabled users have none.
   */
  async roleOf(user: User, meta: DocumentMeta | null): Promise<DocumentRole | null> {
    if (!meta || meta.deletedAt !== null || user.disabled) return null;
    if (meta.ownerId === user.id) return 'owner';
    let role: DocumentRole | null = null;
    if (user.email !== null) {
      const member = await this.db.get('SELECT role FROM tandem_doc_members WHERE doc_id = ? AND email = ?', [meta.id, user.email]);
      if (member && isShareRole(member.role)) role = member.role;
    }
    if (meta.linkRole !== null) {
      const holder = await this.db.get('SELECT link_secret FROM tandem_link_holders WHERE doc_id = ? AND user_id = ?', [meta.id, user.id]);
      if (holder?.link_secret === meta.linkSecret) role = higherRole(role, meta.linkRole);
    }
    return role;
  }

  /** Records that `user` came with the document's current link secret (checked by the caller). */
  async holdLink(docId: string, userId: string, secret: string): Promise<void> {
    const changed = await this.db.run('UPDATE tandem_link_holders SET link_secret = ?, seen_at = ? WHERE doc_id = ? AND user_id = ?', [secret, Date.now(), docId, userId]);
    if (changed === 0) await this.db.run('INSERT INTO tandem_link_holders (doc_id, user_id, link_secret, seen_at) VALUES (?, ?, ?, ?)', [docId, userId, secret, Date.now()]);
  }

  async rename(id: string, title: string): Promise<void> {
    await this.db.run('UPDATE tandem_doc_meta SET title = ? WHERE id = ?', [title, id]);
  }

  async touch(id: string, userId: string | null, at: number): Promise<void> {
    await this.db.run('UPDATE tandem_doc_meta SET updated_at = ?, last_edited_by = COALESCE(?, last_edited_by) WHERE id = ? AND updated_at <= ?', [at, userId, id, at]);
  }

  async setDeleted(id: string, deletedAt: number | null): Promise<void> {
    await this.db.run('UPDATE tandem_doc_meta SET deleted_at = ? WHERE id = ?', [deletedAt, id]);
  }

  async remove(id: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run('DELETE FROM tandem_doc_members WHERE doc_id = ?', [id]);
      await tx.run('DELETE FROM tandem_link_holders WHERE doc_id = ?', [id]);
      await tx.run('DELETE FROM tandem_doc_meta WHERE id = ?', [id]);
    });
  }

  async setLinkRole(id: string, role: ShareRole | null): Promise<void> {
    await this.db.run('UPDATE tandem_doc_meta SET link_role = ? WHERE id = ?', [role, id]);
  }

  async resetLink(id: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run('UPDATE tandem_doc_meta SET link_secret = ? WHERE id = ?', [newLinkSecret(), id]);
      await tx.run('DELETE FROM tandem_link_holders WHERE doc_id = ?', [id]);
    });
  }

  async setMember(id: string, email: string, role: ShareRole): Promise<void> {
    const normalized = normalizeEmail(email);
    const changed = await this.db.run('UPDATE tandem_doc_members SET role = ? WHERE doc_id = ? AND email = ?', [role, id, normalized]);
    if (changed === 0) await this.db.run('INSERT INTO tandem_doc_members (doc_id, email, role, added_at) VALUES (?, ?, ?, ?)', [id, normalized, role, Date.now()]);
  }

  async removeMember(id: string, email: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM tandem_doc_members WHERE doc_id = ? AND email = ?', [id, normalizeEmail(email)])) > 0;
  }

  /** The new owner leaves the member list; the old owner joins it as an editor. */
  async transferOwnership(id: string, from: User, to: User): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run('UPDATE tandem_doc_meta SET owner_id = ? WHERE id = ?', [to.id, id]);
      if (to.email !== null) await tx.run('DELETE FROM tandem_doc_members WHERE doc_id = ? AND email = ?', [id, to.email]);
      if (from.email !== null) {
        await tx.run('DELETE FROM tandem_doc_members WHERE doc_id = ? AND email = ?', [id, from.email]);
        await tx.run('INSERT INTO tandem_doc_members (doc_id, email, role, added_at) VALUES (?, ?, ?, ?)', [id, from.email, 'editor', Date.now()]);
      }
    });
  }

  async members(id: string): Promise<Array<Omit<Member, 'user'> & { user: PersonRef | null }>> {
    const rows = await this.db.all(
      `SELECT m.email, m.role, u.id AS user_id, u.name AS user_name FROM tandem_doc_members m
       LEFT JOIN tandem_users u ON u.email = m.email WHERE m.doc_id = ? ORDER BY m.added_at`,
      [id],
    );
    return rows.map((row) => ({
      email: String(row.email),
      role: isShareRole(row.role) ? row.role : 'viewer',
      user: row.user_id === null ? null : { id: String(row.user_id), name: String(row.user_name), email: String(row.email) },
    }));
  }

  /** Ids of every user who may currently hold a role in the document (owner, members with accounts, link holders). */
  async peopleWithAccess(id: string): Promise<string[]> {
    const rows = await this.db.all(
      `SELECT owner_id AS user_id FROM tandem_doc_meta WHERE id = ?
       UNION SELECT u.id FROM tandem_doc_members m JOIN tandem_users u ON u.email = m.email WHERE m.doc_id = ?
       UNION SELECT user_id FROM tandem_link_holders WHERE doc_id = ?`,
      [id, id, id],
    );
    return rows.map((row) => String(row.user_id));
  }

  // Lists -----------------------------------------------------------------------------------------------

  async owned(user: User, query: string, deleted: boolean): Promise<DocumentSummary[]> {
    const rows = await this.db.all(
      `SELECT ${prefixed('d')}, o.name AS owner_name, o.email AS owner_email, e.name AS editor_name, e.email AS editor_email
       FROM tandem_doc_meta d JOIN tandem_users o ON o.id = d.owner_id LEFT JOIN tandem_users e ON e.id = d.last_edited_by
       WHERE d.owner_id = ? AND d.deleted_at IS ${deleted ? 'NOT NULL' : 'NULL'} AND LOWER(d.title) LIKE ? ESCAPE '\\'
       ORDER BY d.updated_at DESC LIMIT 500`,
      [user.id, titlePattern(query)],
    );
    return rows.map((row) => toSummary(row, 'owner'));
  }

  /** Documents shared with the user by email or held through their current link, best role each. */
  async sharedWith(user: User, query: string): Promise<DocumentSummary[]> {
    const rows = await this.db.all(
      `SELECT ${prefixed('d')}, o.name AS owner_name, o.email AS owner_email, e.name AS editor_name, e.email AS editor_email,
              m.role AS member_role, CASE WHEN h.link_secret = d.link_secret THEN d.link_role ELSE NULL END AS held_link_role
       FROM tandem_doc_meta d JOIN tandem_users o ON o.id = d.owner_id LEFT JOIN tandem_users e ON e.id = d.last_edited_by
       LEFT JOIN tandem_doc_members m ON m.doc_id = d.id AND m.email = ?
       LEFT JOIN tandem_link_holders h ON h.doc_id = d.id AND h.user_id = ?
       WHERE d.owner_id <> ? AND d.deleted_at IS NULL AND LOWER(d.title) LIKE ? ESCAPE '\\'
         AND (m.role IS NOT NULL OR (h.link_secret = d.link_secret AND d.link_role IS NOT NULL))
       ORDER BY d.updated_at DESC LIMIT 500`,
      [user.email ?? '', user.id, user.id, titlePattern(query)],
    );
    return rows.flatMap((row) => {
      const role = higherRole(isShareRole(row.member_role) ? row.member_role : null, isShareRole(row.held_link_role) ? row.held_link_role : null);
      return role === null ? [] : [toSummary(row, role)];
    });
  }

  async summary(meta: DocumentMeta, role: DocumentRole): Promise<DocumentSummary> {
    const row = await this.db.get(
      `SELECT ${prefixed('d')}, o.name AS owner_name, o.email AS owner_email, e.name AS editor_name, e.email AS editor_email
       FROM tandem_doc_meta d JOIN tandem_users o ON o.id = d.owner_id LEFT JOIN tandem_users e ON e.id = d.last_edited_by WHERE d.id = ?`,
      [meta.id],
    );
    if (!row) throw new Error(`document ${meta.id} vanished`);
    return toSummary(row, role);
  }
}

function prefixed(alias: string): string {
  return META_COLUMNS.split(', ')
    .map((column) => `${alias}.${column}`)
    .join(', ');
}

function toSummary(row: SqlRow, role: DocumentRole): DocumentSummary {
  const meta = toMeta(row);
  return {
    id: meta.id,
    title: meta.title,
    owner: { id: meta.ownerId, name: String(row.owner_name), email: row.owner_email === null ? null : String(row.owner_email) },
    role,
    updatedAt: meta.updatedAt,
    lastEditedBy: meta.lastEditedBy === null ? null : { id: meta.lastEditedBy, name: String(row.editor_name ?? ''), email: row.editor_email === null ? null : String(row.editor_email ?? '') },
    ...(meta.deletedAt !== null ? { deletedAt: meta.deletedAt } : {}),
  };
}
