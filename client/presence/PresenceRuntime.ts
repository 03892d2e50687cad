/**
 * Presence for one open document: publishes this tab's presence, turns the awareness map into the
 * roster the UI shows, tracks the document's sections and where this tab's caret is, and runs follow
 * mode. Created per collaboration session (one awareness), read by React through subscribe/getSnapshot.
 */
import { isChangeOrigin } from '@tiptap/extension-collaboration';
import type { Editor } from '@tiptap/core';
import type { Transaction } from '@tiptap/pm/state';
import type { Awareness } from 'y-protocols/awareness';
import { rosterKey, rosterOf, type Person } from '../../shared/presence/roster.js';
import { blocksFromProseMirror } from '../../shared/sections/blockSummaries.js';
import { leavesSectionsUnchanged } from '../../shared/sections/unchangedSections.js';
import { innermostSectionAt, sectionsOf, type Section } from '../../shared/sections/sectionModel.js';
import { FollowController } from './followMode.js';
import { LocalPresence, type LocalIdentity } from './localPresence.js';

export interface PresenceSnapshot {
  /** Everyone else here, grouped by user (my own other tabs included, flagged `isMe`). */
  people: Person[];
  /** Distinct people in the document, me included. */
  count: number;
  sections: Section[];
  mySectionId: string | null;
  /** The person follow mode is tracking. */
  following: Person | null;
  editor: Editor | null;
}

/** Recomputing sections walks the document; do it at most this often while someone types. */
const SECTIONS_DEBOUNCE_MS = 150;

export class PresenceRuntime {
  private readonly local: LocalPresence;
  private readonly followMode: FollowController;
  private readonly listeners = new Set<() => void>();
  private editor: Editor | null = null;
  private myUserId: string | null = null;
  private people: Person[] = [];
  private peopleKey = '';
  private sections: Section[] = [];
  private sectionsKey = '';
  /** The document `sections` were computed for, or carried over to by edits that keep them (see onTransaction). */
  private sectionsDoc: unknown = null;
  private mySectionId: string | null = null;
  private sectionsTimer: ReturnType<typeof setTimeout> | null = null;
  private snapshot: PresenceSnapshot;
  private started = false;
  /** Until this tab has been in the text, its selection is just the document start, not where it works. */
  private hasFocused = false;

  constructor(
    private readonly awareness: Awareness,
    identity: LocalIdentity,
  ) {
    this.local = new LocalPresence(awareness, identity);
    this.followMode = new FollowController({ getEditor: () => this.editor, onChange: () => this.emit() });
    this.snapshot = this.buildSnapshot();
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.local.start();
    this.awareness.on('change', this.onAwarenessChange);
    this.refreshPeople([]);
  }

  stop(): void {
    if (!this.started) return;
    this.started = false;
    this.awareness.off('change', this.onAwarenessChange);
    this.local.stop();
    this.followMode.stop();
    this.attachEditor(null);
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): PresenceSnapshot => this.snapshot;

  attachEditor = (editor: Editor | null): void => {
    if (editor === this.editor) return;
    this.editor?.off('transaction', this.onTransaction);
    this.editor?.off('focus', this.onFocus);
    if (this.sectionsTimer) clearTimeout(this.sectionsTimer);
    this.sectionsTimer = null;
    this.editor = editor;
    this.sectionsDoc = null;
    if (editor) {
      editor.on('transaction', this.onTransaction);
      editor.on('focus', this.onFocus);
      this.hasFocused = editor.isFocused;
      this.refreshSections();
    }
    this.emit();
  };

  setUserId(userId: string): void {
    this.myUserId = userId;
    this.local.setUserId(userId);
    this.refreshPeople([]);
  }

  setIdentity(identity: LocalIdentity): void {
    this.local.setIdentity(identity);
  }

  follow(userId: string): void {
    this.followMode.follow(userId);
  }

  stopFollowing(): void {
    this.followMode.stop();
  }

  /** Puts the caret at the start of a section and scrolls its heading to the top. */
  jumpToSection(sectionId: string): void {
    const editor = this.editor;
    const section = this.sections.find((candidate) => candidate.id === sectionId);
    if (!editor || editor.isDestroyed || !section) return;
    let position: number | null = null;
    editor.state.doc.forEach((_node, offset, index) => {
      if (index === section.startBlock) position = offset;
    });
    if (position === null) return;
    editor.chain().focus().setTextSelection(position + 1).run();
    const dom = editor.view.nodeDOM(position);
    if (dom instanceof HTMLElement) dom.scrollIntoView({ block: 'start' });
  }

  private onAwarenessChange = ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }): void => {
    this.refreshPeople([...added, ...updated, ...removed]);
  };

  private onTransaction = ({ transaction, appendedTransactions = [] }: { transaction: Transaction; appendedTransactions?: readonly Transaction[] }): void => {
    // Sections known for the document before an edit that cannot change them are still right after
    // it: no need to walk every block again (a 200-page document has thousands). Any other edit breaks
    // the chain, and refreshSections recomputes.
    for (const tr of [transaction, ...appendedTransactions]) {
      if (tr.docChanged && tr.before === this.sectionsDoc && leavesSectionsUnchanged(tr)) this.sectionsDoc = tr.doc;
    }
    if (transaction.docChanged) {
      if (!isChangeOrigin(transaction)) this.local.noteEdit();
      this.followMode.documentChanged();
      // The section under the caret may have changed (a new heading above it); check after a pause.
      this.sectionsTimer ??= setTimeout(() => {
        this.sectionsTimer = null;
        this.refreshSections();
      }, SECTIONS_DEBOUNCE_MS);
    } else if (transaction.selectionSet && this.sectionsTimer === null) {
      this.refreshSections();
    }
  };

  private onFocus = (): void => {
    if (this.hasFocused) return;
    this.hasFocused = true;
    this.refreshSections();
  };

  private refreshPeople(changed: number[]): void {
    const people = rosterOf(this.awareness.getStates(), { clientId: this.awareness.clientID, userId: this.myUserId });
    this.followMode.update(people, changed);
    const key = rosterKey(people);
    if (key === this.peopleKey) return;
    this.people = people;
    this.peopleKey = key;
    this.emit();
  }

  private refreshSections(): void {
    const editor = this.editor;
    if (!editor || editor.isDestroyed) return;
    const { doc, selection } = editor.state;
    let changed = false;
    if (doc !== this.sectionsDoc) {
      this.sectionsDoc = doc;
      const sections = sectionsOf(blocksFromProseMirror(doc));
      const key = JSON.stringify(sections);
      if (key !== this.sectionsKey) {
        this.sections = sections;
        this.sectionsKey = key;
        changed = true;
      }
    }
    const blockIndex = Math.min(doc.resolve(Math.min(selection.head, doc.content.size)).index(0), doc.childCount - 1);
    const sectionId = this.hasFocused ? (innermostSectionAt(this.sections, blockIndex)?.id ?? null) : null;
    if (sectionId !== this.mySectionId) {
      this.mySectionId = sectionId;
      this.local.setSection(sectionId);
      changed = true;
    }
    if (changed) this.emit();
  }

  private buildSnapshot(): PresenceSnapshot {
    const others = new Set(this.people.filter((person) => !person.isMe).map((person) => person.userId));
    return {
      people: this.people,
      count: others.size + 1,
      sections: this.sections,
      mySectionId: this.mySectionId,
      following: this.people.find((person) => person.userId === this.followMode.userId) ?? null,
      editor: this.editor,
    };
  }

  private emit(): void {
    this.snapshot = this.buildSnapshot();
    for (const listener of this.listeners) listener();
  }
}
