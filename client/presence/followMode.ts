/**
 * Follow mode: keep another person's caret in view as it moves, until this person acts themselves
 * (types, clicks, scrolls, touches). Following is by user, not by tab: it tracks the person's most
 * present tab that has a caret (see `followedTab`), so it survives them switching tabs.
 *
 * The caret's position is computed from the awareness state itself (Yjs relative position → document
 * position → screen coordinates), not from the caret's DOM element, so it works before the caret
 * decoration has been drawn.
 */
import type { Editor } from '@tiptap/core';
import { relativePositionToAbsolutePosition, ySyncPluginKey } from '@tiptap/y-tiptap';
import * as Y from 'yjs';
import { followedTab, type Person } from '../../shared/presence/roster.js';
import type { PresenceCursor } from '../../shared/presence/schema.js';

/** Events that mean "I am doing something myself now". Not `scroll`: following scrolls the page. */
const TAKE_OVER_EVENTS = ['pointerdown', 'wheel', 'touchmove', 'keydown'] as const;
/** Controls that start or stop following carry this attribute; pressing them is not taking over. */
export const FOLLOW_CONTROL_ATTRIBUTE = 'data-follow-control';

/** The caret stays put while it is inside this band of the visible page (fractions of the height below the
 *  sticky bars), so following does not jerk the page on every keystroke; outside it, it is re-centred. */
const COMFORT_TOP = 0.15;
const COMFORT_BOTTOM = 0.85;
const CENTRE = 0.4;

interface FollowHost {
  getEditor(): Editor | null;
  onChange(): void;
}

interface SyncPluginState {
  doc?: Y.Doc;
  type?: Y.XmlFragment;
  binding?: { mapping: Map<unknown, unknown> } | null;
}

export class FollowController {
  private target: string | null = null;
  private frame: number | null = null;
  private people: readonly Person[] = [];

  constructor(private readonly host: FollowHost) {}

  get userId(): string | null {
    return this.target;
  }

  follow(userId: string): void {
    if (this.target === null) {
      for (const type of TAKE_OVER_EVENTS) window.addEventListener(type, this.onTakeOver, { capture: true, passive: true });
    }
    this.target = userId;
    this.host.onChange();
    this.reveal();
  }

  stop(): void {
    if (this.target === null) return;
    this.target = null;
    for (const type of TAKE_OVER_EVENTS) window.removeEventListener(type, this.onTakeOver, { capture: true });
    if (this.frame !== null) cancelAnimationFrame(this.frame);
    this.frame = null;
    this.host.onChange();
  }

  /** Called with the latest roster; `moved` lists client ids whose awareness state changed. */
  update(people: readonly Person[], moved: readonly number[]): void {
    this.people = people;
    if (this.target === null) return;
    const person = this.person();
    if (!person) {
      this.stop(); // they left
      return;
    }
    if (person.tabs.some((tab) => moved.includes(tab.clientId))) this.reveal();
  }

  /** The document changed under us (a remote edit moves the caret without an awareness change). */
  documentChanged(): void {
    if (this.target !== null) this.reveal();
  }

  private person(): Person | undefined {
    return this.people.find((candidate) => candidate.userId === this.target);
  }

  private onTakeOver = (event: Event): void => {
    const target = event.target;
    if (target instanceof Element && target.closest(`[${FOLLOW_CONTROL_ATTRIBUTE}]`)) return;
    // Modifier keys alone (e.g. the Ctrl of a Ctrl+Tab) are not taking over.
    if (event instanceof KeyboardEvent && ['Shift', 'Control', 'Alt', 'Meta'].includes(event.key)) return;
    this.stop();
  };

  /** One scroll per frame, after the caret plugin has redrawn. */
  private reveal(): void {
    if (this.frame !== null) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = null;
      const person = this.person();
      const tab = person ? followedTab(person) : null;
      if (tab?.state.cursor) this.scrollTo(tab.state.cursor);
    });
  }

  private scrollTo(cursor: PresenceCursor): void {
    const editor = this.host.getEditor();
    if (!editor || editor.isDestroyed) return;
    const view = editor.view;
    const sync = ySyncPluginKey.getState(view.state) as SyncPluginState | undefined;
    if (!sync?.doc || !sync.type || !sync.binding) return;
    const position = relativePositionToAbsolutePosition(
      sync.doc,
      sync.type,
      Y.createRelativePositionFromJSON(cursor.head),
      sync.binding.mapping as never,
    );
    if (position === null) return;
    const coords = view.coordsAtPos(Math.max(0, Math.min(position, view.state.doc.content.size)));
    const top = stickyBarsBottom();
    const height = window.innerHeight - top;
    if (coords.top >= top + height * COMFORT_TOP && coords.bottom <= top + height * COMFORT_BOTTOM) return;
    window.scrollTo({ top: window.scrollY + coords.top - (top + height * CENTRE), behavior: 'auto' });
  }
}

/** The bottom edge of the sticky top bar and toolbar: text under them is not visible. */
function stickyBarsBottom(): number {
  let bottom = 0;
  for (const bar of document.querySelectorAll('.topbar, .toolbar')) bottom = Math.max(bottom, bar.getBoundingClientRect().bottom);
  return Math.max(0, Math.min(bottom, window.innerHeight / 2));
}
