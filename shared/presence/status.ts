/**
 * Activity status: `away` while the tab is hidden, `idle` after a minute without input, `active` otherwise.
 * `nextStatus` is the rule; `ActivityTracker` applies it over time with one timer (input events are
 * frequent, e.g. pointer moves, so recording one is a field write, never a timer reset).
 */
import { PresenceStatus } from './schema.js';

/** A minute without keyboard, pointer or scroll input: long enough to read a page, short enough to mean "stepped away". */
export const IDLE_AFTER_MS = 60_000;
/** A tab counts as typing for this long after its last edit: spans the pauses within a sentence. */
export const TYPING_QUIET_MS = 2_500;

export interface ActivityInput {
  /** The tab is hidden (another tab in front, window minimised). */
  hidden: boolean;
  /** Time of the last input in this tab (ms). */
  lastInputAt: number;
  now: number;
}

export function nextStatus({ hidden, lastInputAt, now }: ActivityInput): PresenceStatus {
  if (hidden) return PresenceStatus.away;
  return now - lastInputAt >= IDLE_AFTER_MS ? PresenceStatus.idle : PresenceStatus.active;
}

/**
 * Tracks one tab's status. Feed it `input()` on user input and `setHidden()` on visibility changes; it calls
 * `onChange` only when the status changes. Time comes from `Date.now` and timers from `setTimeout`, so tests
 * drive it with fake timers.
 */
export class ActivityTracker {
  private lastInputAt: number;
  private hidden: boolean;
  private current: PresenceStatus;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private disposed = false;

  constructor(
    private readonly onChange: (status: PresenceStatus) => void,
    initiallyHidden = false,
  ) {
    this.lastInputAt = Date.now();
    this.hidden = initiallyHidden;
    this.current = nextStatus({ hidden: this.hidden, lastInputAt: this.lastInputAt, now: this.lastInputAt });
    this.schedule();
  }

  get status(): PresenceStatus {
    return this.current;
  }

  input(): void {
    this.lastInputAt = Date.now();
    if (this.current !== PresenceStatus.active) this.evaluate();
  }

  /** Coming back to a tab is itself activity: the person is looking at it now. */
  setHidden(hidden: boolean): void {
    if (hidden === this.hidden) return;
    this.hidden = hidden;
    if (!hidden) this.lastInputAt = Date.now();
    this.evaluate();
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private evaluate(): void {
    if (this.disposed) return;
    const status = nextStatus({ hidden: this.hidden, lastInputAt: this.lastInputAt, now: Date.now() });
    const changed = status !== this.current;
    this.current = status;
    this.schedule();
    if (changed) this.onChange(status);
  }

  /** While active, one pending timer, due when the last input turns a minute old (input in between just
   *  moves the deadline: the timer re-arms for the remainder). Idle and away wait for input or visibility. */
  private schedule(): void {
    if (this.timer || this.disposed || this.current !== PresenceStatus.active) return;
    const due = Math.max(0, this.lastInputAt + IDLE_AFTER_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.evaluate();
    }, due);
  }
}
