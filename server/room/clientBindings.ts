/**
 * Which user each Yjs clientID of a document belongs to. A clientID is bound to the user who first wrote
 * (or announced presence) under it, and the binding is stored with the document in the same transaction
 * as the rows that used it, so it survives restarts and holds while that user is offline. Nobody else may
 * write structs, delete ranges on future clocks, or presence under it afterwards.
 */
import type { ClientBinding } from '../storage/types.js';

/** The user id the server's own changes (repairs, reverts, restores) are bound to. Token subjects may not
 *  use the `tandem:` prefix (auth refuses them), so no connection can pose as it. */
export const SERVER_USER_ID = 'tandem:server';

export class ClientBindings {
  private readonly users = new Map<number, string>();
  /** Bindings made since the last `takeUnsaved`, stored with the room's next append. */
  private unsaved: ClientBinding[] = [];

  /** @param onNew called after a new binding, so the room stores it soon even when nothing else is written. */
  constructor(private readonly onNew: () => void = () => undefined) {}

  /** Adds the document's stored bindings (on load); they take precedence over nothing, never over a binding. */
  restore(stored: readonly ClientBinding[]): void {
    for (const { clientId, userId } of stored) if (!this.users.has(clientId)) this.users.set(clientId, userId);
  }

  userOf(clientId: number): string | undefined {
    return this.users.get(clientId);
  }

  /**
   * Whether `userId` may use `clientId`: true when it is theirs or was free (it is theirs from now on).
   * A `quiet` claim is stored with the room's next write instead of prompting one (the server's own id,
   * claimed on every load, should not cost a write when nobody edits).
   */
  claim(clientId: number, userId: string, { quiet = false } = {}): boolean {
    const owner = this.users.get(clientId);
    if (owner !== undefined) return owner === userId;
    this.users.set(clientId, userId);
    this.unsaved.push({ clientId, userId });
    if (!quiet) this.onNew();
    return true;
  }

  /** The first of `clientIds` bound to someone other than `userId`, or null (nothing is bound by asking). */
  foreignClient(clientIds: Iterable<number>, userId: string): number | null {
    for (const clientId of clientIds) {
      const owner = this.users.get(clientId);
      if (owner !== undefined && owner !== userId) return clientId;
    }
    return null;
  }

  hasUnsaved(): boolean {
    return this.unsaved.length > 0;
  }

  takeUnsaved(): ClientBinding[] {
    const taken = this.unsaved;
    this.unsaved = [];
    return taken;
  }
}
