/**
 * Remote carets show a name flag while their owner is active and shrink to a dot after a few quiet
 * seconds, so labels do not cover the text of a document several people have open. Any cursor
 * movement (an awareness change for that client) brings the flag back at once.
 *
 * ProseMirror may reuse or recreate the caret widgets at any redraw, so the idle state lives here,
 * keyed by client id, and is applied both when a caret is rendered and on a periodic sweep.
 */
import type { Awareness } from 'y-protocols/awareness';

/** Quiet time after which a flag becomes a dot. */
const IDLE_AFTER_MS = 4_000;
const SWEEP_INTERVAL_MS = 1_000;

interface CaretUser {
  name?: string;
  color?: string;
  id?: string;
}

export class CaretActivity {
  private readonly lastActive = new Map<string, number>();
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly awareness: Awareness) {}

  start(): void {
    this.awareness.on('change', this.onChange);
    this.timer = setInterval(this.sweep, SWEEP_INTERVAL_MS);
  }

  stop(): void {
    this.awareness.off('change', this.onChange);
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Replaces the extension's default caret: the same bar and flag, plus the idle class. */
  render = (user: CaretUser): HTMLElement => {
    const key = this.keyOf(user);
    const caret = document.createElement('span');
    caret.classList.add('collaboration-carets__caret');
    caret.dataset.caretKey = key;
    caret.classList.toggle('is-idle', this.isIdle(key));
    if (user.color) caret.style.borderColor = user.color;
    const label = document.createElement('div');
    label.classList.add('collaboration-carets__label');
    if (user.color) label.style.backgroundColor = user.color;
    label.textContent = user.name ?? '';
    label.title = user.name ?? '';
    caret.append(label);
    return caret;
  };

  private onChange = ({ added, updated }: { added: number[]; updated: number[] }): void => {
    const now = Date.now();
    for (const clientId of [...added, ...updated]) {
      const user = (this.awareness.getStates().get(clientId) as { user?: CaretUser } | undefined)?.user;
      if (user) this.lastActive.set(this.keyOf(user), now);
    }
    this.sweep();
  };

  private sweep = (): void => {
    for (const caret of document.querySelectorAll<HTMLElement>('.collaboration-carets__caret[data-caret-key]')) {
      caret.classList.toggle('is-idle', this.isIdle(caret.dataset.caretKey ?? ''));
    }
  };

  private isIdle(key: string): boolean {
    return Date.now() - (this.lastActive.get(key) ?? 0) > IDLE_AFTER_MS;
  }

  /** The server stamps a user id into awareness; fall back to the name for servers that do not. */
  private keyOf(user: CaretUser): string {
    return user.id ?? `name:${user.name ?? ''}`;
  }
}
