/**
 * Access changes reach open connections at once. Every connection opened with a session-bound token is
 * tracked here; when sharing, a link, a document, an account or a session changes, the affected
 * connections are re-checked against the database (the same rules as a new connection, access.ts):
 *   - no access any more → closed with 4403 and ACCESS_REVOKED_REASON ("You no longer have access");
 *   - session ended (signed out everywhere, password changed, account disabled) → closed with 4401;
 *   - a different role → the connection's role changes in place (an editor lowered to viewer has every
 *     later update dropped by the room) and an opted-in client gets an `access` notice, so its editor
 *     turns read-only (or editable again) without reconnecting.
 * In one process this is synchronous with the change (a few milliseconds); across instances it is
 * the scale-out issue's work (the change would be published to every instance).
 */
import type { DocumentRole } from '../../shared/accounts/api.js';
import type { Identity } from '../../shared/auth.js';
import { CloseCode, type TandemCloseCode } from '../../shared/protocol/closeCodes.js';
import { encodeTandemMessage } from '../../shared/protocol/messages.js';
import type { Logger } from '../log.js';
import { errorFields } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { AccessControl } from './access.js';

export interface LivePeer {
  readonly identity: Identity;
  readonly optedIn: boolean;
  send(frame: Uint8Array): void;
  close(code: TandemCloseCode, reason: string): void;
}

interface Tracked {
  docName: string;
  sessionId: string;
  userId: string;
}

export class LiveAccess {
  private readonly tracked = new Map<LivePeer, Tracked>();

  /** `onRoleChanged`: after a connection's role changed in place (the room re-reads lock requests). */
  constructor(private readonly deps: { access: AccessControl; logger: Logger; metrics: Metrics; onRoleChanged?(docName: string): void }) {}

  /** Starts watching a connection; the returned function stops it (call it when the connection closes). */
  track(peer: LivePeer, docName: string): () => void {
    const { sessionId, userId } = peer.identity;
    if (sessionId === undefined) return () => undefined;
    this.tracked.set(peer, { docName, sessionId, userId });
    return () => this.tracked.delete(peer);
  }

  reviewDocument(docName: string): Promise<void> {
    return this.review((entry) => entry.docName === docName);
  }

  reviewUser(userId: string): Promise<void> {
    return this.review((entry) => entry.userId === userId);
  }

  reviewSessions(sessionIds: readonly string[]): Promise<void> {
    const ids = new Set(sessionIds);
    return this.review((entry) => ids.has(entry.sessionId));
  }

  private async review(affected: (entry: Tracked) => boolean): Promise<void> {
    const checks = [...this.tracked].filter(([, entry]) => affected(entry));
    await Promise.all(checks.map(([peer, entry]) => this.recheck(peer, entry)));
  }

  private async recheck(peer: LivePeer, entry: Tracked): Promise<void> {
    try {
      const current = await this.deps.access.currentAccess(entry.sessionId, entry.userId, entry.docName);
      if (!this.tracked.has(peer)) return;
      if (!current.ok) {
        this.tracked.delete(peer);
        this.deps.metrics.inc('tandem_access_revocations_total', 1, { status: String(current.status) });
        peer.close(current.status === 401 ? CloseCode.unauthenticated : CloseCode.forbidden, current.reason);
        return;
      }
      const { role, isOwner } = current.identity;
      if (role === peer.identity.role && isOwner === peer.identity.isOwner) return;
      peer.identity.role = role;
      peer.identity.isOwner = isOwner;
      this.deps.metrics.inc('tandem_access_role_changes_total');
      const documentRole: DocumentRole = isOwner ? 'owner' : role;
      const reason = role === 'editor' ? 'You can edit this document now.' : role === 'commenter' ? 'Your access changed: you can now comment but not edit.' : 'Your access changed: you can now only view.';
      if (peer.optedIn) peer.send(encodeTandemMessage({ kind: 'notice', notice: { type: 'access', role: documentRole, reason } }));
      this.deps.onRoleChanged?.(entry.docName);
    } catch (error) {
      // Fail closed: a connection whose access cannot be re-checked is not left open with the old one.
      this.deps.logger.error('live access check failed', { doc: entry.docName, ...errorFields(error) });
      this.tracked.delete(peer);
      peer.close(CloseCode.unavailable, 'server error');
    }
  }
}
