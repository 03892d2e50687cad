/**
 * Who is here: awareness states decoded and grouped by user id. One person with two tabs is one entry
 * (one avatar, "2 tabs"); carets stay per tab. Pure, so the UI and tests share it.
 */
import { initialsOf } from './display.js';
import { parsePresenceState, type PresenceState, PresenceStatus } from './schema.js';

export interface PresenceTab {
  clientId: number;
  state: PresenceState;
}

export interface Person {
  userId: string;
  name: string;
  color: string;
  initials: string;
  /** The most present status across the person's tabs (active > idle > away). */
  status: PresenceStatus;
  typing: boolean;
  /** The section of the person's most present tab. */
  sectionId: string | null;
  /** This person's tabs, most present first (the one follow mode tracks). */
  tabs: PresenceTab[];
  /** The local user (their other tabs, when this tab's own entry is left out). */
  isMe: boolean;
}

const STATUS_RANK: Record<PresenceStatus, number> = { active: 0, idle: 1, away: 2 };

function compareTabs(a: PresenceTab, b: PresenceTab): number {
  return (
    STATUS_RANK[a.state.status] - STATUS_RANK[b.state.status] ||
    Number(b.state.cursor !== null) - Number(a.state.cursor !== null) ||
    Number(b.state.typing) - Number(a.state.typing) ||
    a.clientId - b.clientId
  );
}

/**
 * Everyone in the awareness map except this tab's own entry, grouped by user id and sorted by name.
 * States that do not decode (the server's lock-table entry, stock clients, hostile input) are skipped.
 */
export function rosterOf(states: ReadonlyMap<number, unknown>, me: { clientId: number; userId: string | null }): Person[] {
  const byUser = new Map<string, PresenceTab[]>();
  for (const [clientId, raw] of states) {
    if (clientId === me.clientId) continue;
    const state = parsePresenceState(raw);
    if (!state) continue;
    const tabs = byUser.get(state.user.id);
    if (tabs) tabs.push({ clientId, state });
    else byUser.set(state.user.id, [{ clientId, state }]);
  }
  const people: Person[] = [];
  for (const [userId, tabs] of byUser) {
    tabs.sort(compareTabs);
    const lead = (tabs[0] as PresenceTab).state;
    people.push({
      userId,
      name: lead.user.name,
      color: lead.user.color,
      initials: initialsOf(lead.user.name),
      status: lead.status,
      typing: tabs.some((tab) => tab.state.typing),
      sectionId: lead.sectionId,
      tabs,
      isMe: userId === me.userId,
    });
  }
  return people.sort((a, b) => a.name.localeCompare(b.name) || a.userId.localeCompare(b.userId));
}

/** The tab to follow for a person: their most present tab that has a caret, if any. */
export function followedTab(person: Person): PresenceTab | null {
  return person.tabs.find((tab) => tab.state.cursor !== null) ?? null;
}

/** Stable comparison for "did anything the presence UI shows change?" (carets are drawn by the editor). */
export function rosterKey(people: readonly Person[]): string {
  return JSON.stringify(
    people.map((person) => [
      person.userId,
      person.name,
      person.color,
      person.status,
      person.typing,
      person.sectionId,
      person.isMe,
      person.tabs.map((tab) => [tab.clientId, tab.state.cursor !== null]),
    ]),
  );
}

export const statusLabel: Record<PresenceStatus, string> = {
  [PresenceStatus.active]: 'Active',
  [PresenceStatus.idle]: 'Idle',
  [PresenceStatus.away]: 'Away',
};
