/**
 * Publishes this tab's presence fields (see shared/presence/schema.ts) into its awareness state: who it is,
 * its status, the section its caret is in and whether it is typing. The caret plugin owns `cursor` and the
 * locks feature owns `lockRequests`; this only ever writes its own fields, merged into the current state.
 *
 * Every write is one awareness message and the server allows 30/s per connection, so a field is written
 * only when its value changes: a keystroke costs nothing here beyond the caret plugin's own update
 * (typing flips once per burst, the section once per section change, status rarely).
 */
import * as time from 'lib0/time';
import type { Awareness } from 'y-protocols/awareness';
import { PRESENCE_VERSION, type PresenceStatus, type PublishedPresence } from '../../shared/presence/schema.js';
import { ActivityTracker, TYPING_QUIET_MS } from '../../shared/presence/status.js';

export interface LocalIdentity {
  name: string;
  color: string;
}

/** y-protocols renews a state every 15 s from a timer and peers drop a state after 30 s without one. Chrome
 *  runs timers of a tab hidden for 5 minutes only once a minute, so an away tab would blink out of everyone's
 *  presence. Incoming messages still run promptly there, so any awareness traffic renews our state once it
 *  is this old (the server's own entry is renewed every 15 s, so there is traffic). */
const RENEW_AFTER_MS = 12_000;

/** Input that counts as activity. Not `scroll`: follow mode scrolls the page on the person's behalf. */
const ACTIVITY_EVENTS = ['keydown', 'pointerdown', 'pointermove', 'wheel', 'touchstart'] as const;

export class LocalPresence {
  private userId: string | null = null;
  private sectionId: string | null = null;
  private typing = false;
  private typingTimer: ReturnType<typeof setTimeout> | null = null;
  private tracker: ActivityTracker | null = null;
  private patchQueued = false;
  private renewing = false;

  constructor(
    private readonly awareness: Awareness,
    private identity: LocalIdentity,
  ) {}

  start(): void {
    if (this.tracker) return;
    this.tracker = new ActivityTracker(() => this.publish(), document.visibilityState === 'hidden');
    for (const type of ACTIVITY_EVENTS) window.addEventListener(type, this.onInput, { capture: true, passive: true });
    document.addEventListener('visibilitychange', this.onVisibility);
    this.awareness.on('change', this.onAwarenessChange);
    this.awareness.on('update', this.renewIfStale);
    this.publish();
  }

  stop(): void {
    if (!this.tracker) return;
    this.tracker.dispose();
    this.tracker = null;
    for (const type of ACTIVITY_EVENTS) window.removeEventListener(type, this.onInput, { capture: true });
    document.removeEventListener('visibilitychange', this.onVisibility);
    this.awareness.off('change', this.onAwarenessChange);
    this.awareness.off('update', this.renewIfStale);
    if (this.typingTimer) clearTimeout(this.typingTimer);
    this.typingTimer = null;
  }

  get status(): PresenceStatus | null {
    return this.tracker?.status ?? null;
  }

  /** The user id from our token. The server stamps it anyway; publishing it too keeps states that other
   *  tabs of this browser receive over BroadcastChannel (which bypasses the server) complete. */
  setUserId(userId: string): void {
    if (userId === this.userId) return;
    this.userId = userId;
    this.publish();
  }

  setIdentity(identity: LocalIdentity): void {
    this.identity = identity;
    this.publish();
  }

  setSection(sectionId: string | null): void {
    if (sectionId === this.sectionId) return;
    this.sectionId = sectionId;
    this.publish();
  }

  /** A local edit: typing now, and still typing until a quiet spell. */
  noteEdit(): void {
    this.tracker?.input();
    if (this.typingTimer) clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => {
      this.typingTimer = null;
      this.typing = false;
      this.publish();
    }, TYPING_QUIET_MS);
    if (!this.typing) {
      this.typing = true;
      this.publish();
    }
  }

  private onInput = (): void => this.tracker?.input();

  private onVisibility = (): void => this.tracker?.setHidden(document.visibilityState === 'hidden');

  /** Others write our state too (the caret extension's `updateUser` replaces `user` without an id):
   *  restore our fields after them. Deferred, so we never write from inside another write's event. */
  private onAwarenessChange = ({ added, updated }: { added: number[]; updated: number[] }): void => {
    const mine = this.awareness.clientID;
    if (this.patchQueued || !(added.includes(mine) || updated.includes(mine))) return;
    this.patchQueued = true;
    queueMicrotask(() => {
      this.patchQueued = false;
      this.publish();
    });
  };

  private renewIfStale = (): void => {
    const state = this.awareness.getLocalState();
    const meta = this.awareness.meta.get(this.awareness.clientID);
    // The same clock y-protocols stamps `lastUpdated` with.
    if (this.renewing || state === null || !meta || time.getUnixTime() - meta.lastUpdated < RENEW_AFTER_MS) return;
    this.renewing = true;
    try {
      this.awareness.setLocalState(state);
    } finally {
      this.renewing = false;
    }
  };

  private desired(): PublishedPresence | null {
    const status = this.tracker?.status;
    if (!status) return null;
    const user = { id: this.userId ?? '', name: this.identity.name, color: this.identity.color };
    return { v: PRESENCE_VERSION, user, status, sectionId: this.sectionId, typing: this.typing };
  }

  private publish(): void {
    const current = this.awareness.getLocalState();
    const desired = this.desired();
    // A null local state means the provider said goodbye (tab closing): never resurrect it.
    if (current === null || desired === null) return;
    const currentUser = (current.user ?? {}) as Record<string, unknown>;
    const unchanged =
      current.v === desired.v &&
      current.status === desired.status &&
      current.sectionId === desired.sectionId &&
      current.typing === desired.typing &&
      currentUser.name === desired.user.name &&
      currentUser.color === desired.user.color &&
      (this.userId === null || currentUser.id === desired.user.id);
    if (unchanged) return;
    const user = this.userId === null ? { ...currentUser, name: desired.user.name, color: desired.user.color } : desired.user;
    this.awareness.setLocalState({ ...current, ...desired, user });
  }
}
