/**
 * Section locks in the editor:
 *  - a transaction filter refuses local changes that touch a section someone else holds (typing,
 *    deletion, paste, drop, formatting, block changes, including ranges that only partly overlap it),
 *    and lets y-sync transactions through (remote edits, and undo/redo, which undoGuard covers instead);
 *  - `beforeinput` is refused there too, so the browser never changes the DOM behind ProseMirror's back;
 *  - decorations: a lock button on every heading, a badge with the holder's name and colour on locked
 *    sections, a Release control on your own, and a tint on sections held by others.
 * Labels are drawn with CSS from data attributes, so they add no text to the document's DOM.
 */
import { Extension } from '@tiptap/core';
import type { Node as ProseMirrorNode } from '@tiptap/pm/model';
import { Plugin, PluginKey, type EditorState } from '@tiptap/pm/state';
import { Decoration, DecorationSet, type EditorView } from '@tiptap/pm/view';
import { ySyncPluginKey, yUndoPluginKey } from '@tiptap/y-tiptap';
import type * as Y from 'yjs';
import type { LockEntry } from '../../shared/locks/lockProtocol.js';
import { isLockableSectionId } from '../../shared/locks/lockProtocol.js';
import { leavesSectionsUnchanged } from '../../shared/sections/unchangedSections.js';
import { lockedRanges, sectionRanges, touchedLock, transactionTouchesLock } from './lockedRanges.js';
import type { LockClient } from './lockClient.js';
import { lockLabel } from './lockLabel.js';
import { guardUndoManager } from './undoGuard.js';
import './locks.css';

export interface SectionLocksOptions {
  client: LockClient | null;
  /** The Y.XmlFragment the editor is bound to (for guarding undo/redo). */
  fragment: Y.XmlFragment | null;
}

export const sectionLocksKey = new PluginKey<DecorationSet>('sectionLocks');
/** An away holder's time left is shown in steps of 5 s (lockLabel.ts): relabel that often. */
const RELABEL_MS = 5_000;

export const SectionLocks = Extension.create<SectionLocksOptions>({
  name: 'sectionLocks',

  addOptions() {
    return { client: null, fragment: null };
  },

  addProseMirrorPlugins() {
    const { client, fragment } = this.options;
    if (!client) return [];
    const refuse = (sectionId: string, lock: LockEntry): void => client.reportRefused({ sectionId, holder: lock });

    return [
      new Plugin<DecorationSet>({
        key: sectionLocksKey,
        state: {
          init: (_config, state) => buildDecorations(state.doc, client),
          apply: (tr, previous, _old, state) => {
            if (tr.getMeta(sectionLocksKey) !== undefined) return buildDecorations(state.doc, client);
            if (!tr.docChanged) return previous;
            // Typing in a paragraph of a 200-page document must not walk every block: when no section can
            // have changed, the same decorations only move with the text.
            return leavesSectionsUnchanged(tr) ? previous.map(tr.mapping, tr.doc) : buildDecorations(state.doc, client);
          },
        },
        props: {
          decorations: (state) => sectionLocksKey.getState(state),
          handleDOMEvents: {
            // Typing and native deletion change the DOM before ProseMirror sees a transaction.
            beforeinput: (view, event) => {
              const touched = touchedByInput(view, event, client);
              if (!touched) return false;
              event.preventDefault();
              refuse(touched.sectionId, touched.lock);
              return true;
            },
          },
        },
        filterTransaction: (tr) => {
          // Remote edits (and y-tiptap's undo/redo) arrive as y-sync transactions: never refuse those,
          // or this replica would diverge from the document everyone else has.
          if (!tr.docChanged || tr.getMeta(ySyncPluginKey) !== undefined) return true;
          const touched = transactionTouchesLock(tr, client.heldByOthers());
          if (!touched) return true;
          refuse(touched.sectionId, touched.lock);
          return false;
        },
        view: (view) => {
          const redraw = (): void => {
            if (!view.isDestroyed) view.dispatch(view.state.tr.setMeta(sectionLocksKey, true));
          };
          const unsubscribe = client.subscribe(redraw);
          const timer = setInterval(redraw, RELABEL_MS);
          guardUndo(view.state, fragment, client, refuse);
          return {
            update: (updated) => guardUndo(updated.state, fragment, client, refuse),
            destroy: () => {
              unsubscribe();
              clearInterval(timer);
            },
          };
        },
      }),
    ];
  },
});

function guardUndo(state: EditorState, fragment: Y.XmlFragment | null, client: LockClient, refuse: (id: string, lock: LockEntry) => void): void {
  const undoManager = (yUndoPluginKey.getState(state) as { undoManager?: Y.UndoManager } | undefined)?.undoManager;
  if (!undoManager || !fragment) return;
  guardUndoManager(
    undoManager,
    fragment,
    () => new Set(client.heldByOthers().keys()),
    (sectionId) => {
      const lock = client.heldByOthers().get(sectionId);
      if (lock) refuse(sectionId, lock);
    },
  );
}

function touchedByInput(view: EditorView, event: InputEvent, client: LockClient): { sectionId: string; lock: LockEntry } | null {
  const held = client.heldByOthers();
  if (held.size === 0) return null;
  const { from, to } = inputRange(view, event);
  // A caret counts as an insertion point; a selection as the range it would replace.
  return touchedLock(lockedRanges(view.state.doc, held), from, to);
}

/**
 * The document range a native input will change. ProseMirror learns of a click or an End key from
 * `selectionchange`, which the browser may deliver after the next keystroke's `beforeinput`: judging by
 * `state.selection` then refuses keys typed right after moving out of a locked section (seen in CI as
 * lost characters). The browser's own target range, or else its live selection, is never stale.
 */
function inputRange(view: EditorView, event: InputEvent): { from: number; to: number } {
  const target = event.getTargetRanges()[0];
  const live = target ?? liveSelection(view);
  if (live) {
    try {
      const a = view.posAtDOM(live.startContainer, live.startOffset);
      const b = view.posAtDOM(live.endContainer, live.endOffset);
      return { from: Math.min(a, b), to: Math.max(a, b) };
    } catch {
      // The range is outside the editor's content (a widget, say): fall back to ProseMirror's selection.
    }
  }
  return view.state.selection;
}

function liveSelection(view: EditorView): AbstractRange | null {
  const selection = (view.root as Document).getSelection?.();
  return selection && selection.rangeCount > 0 ? selection.getRangeAt(0) : null;
}

/** Every lock decoration of `doc`, from scratch (exported for the test that the mapped set equals it). */
export function buildDecorations(doc: ProseMirrorNode, client: LockClient): DecorationSet {
  const decorations: Decoration[] = [];
  const now = Date.now();
  for (const { section, from, to, headingPos, heading } of sectionRanges(doc)) {
    if (!heading || !isLockableSectionId(section.id)) continue;
    const ownership = client.ownership(section.id);
    const pending = ownership.kind === 'free' && client.isRequested(section.id);
    const key = `lock:${section.id}:${ownership.kind}:${pending}:${ownership.kind === 'free' ? '' : lockLabel(ownership, client.isPresent(ownership.lock.userId), now)}`;
    decorations.push(
      // At the heading's start, floated to its end by CSS: a widget as a textblock's last child makes
      // ProseMirror add a trailing <br> hack, which changes the heading's innerText.
      Decoration.widget(headingPos + 1, () => lockControls(section.id, client, now), {
        side: -1,
        key,
        ignoreSelection: true,
        stopEvent: () => true,
      }),
    );
    if (ownership.kind === 'free') continue;
    const className = ownership.kind === 'theirs' ? 'section-locked section-locked--theirs' : 'section-locked section-locked--mine';
    doc.nodesBetween(from, to, (node, pos) => {
      decorations.push(Decoration.node(pos, pos + node.nodeSize, { class: className, style: `--lock-color: ${ownership.lock.color}` }));
      return false;
    });
  }
  return DecorationSet.create(doc, decorations);
}

function lockControls(sectionId: string, client: LockClient, now: number): HTMLElement {
  const wrapper = document.createElement('span');
  wrapper.className = 'section-lock';
  wrapper.contentEditable = 'false';
  const ownership = client.ownership(sectionId);
  if (ownership.kind === 'free') {
    const pending = client.isRequested(sectionId);
    wrapper.append(
      button(pending ? 'Locking…' : 'Lock', pending ? 'Asking to lock this section' : 'Lock this section so only you can edit it', 'lock-button', sectionId, () =>
        client.request(sectionId),
      ),
    );
    if (pending) (wrapper.firstChild as HTMLButtonElement).disabled = true;
    return wrapper;
  }
  const { lock } = ownership;
  const badge = document.createElement('span');
  const away = ownership.kind === 'theirs' && !client.isPresent(lock.userId);
  // An away holder's lock is running out: drawn dashed, so it reads as temporary at a glance.
  badge.className = `section-lock__badge section-lock__badge--${ownership.kind}${away ? ' section-lock__badge--away' : ''}`;
  badge.dataset.testid = 'lock-badge';
  badge.dataset.sectionId = sectionId;
  badge.style.setProperty('--lock-color', lock.color);
  const label = lockLabel(ownership, !away, now);
  badge.dataset.label = label;
  badge.setAttribute('role', 'status');
  badge.setAttribute('aria-label', label);
  badge.title = ownership.kind === 'mine' ? 'Only you can edit this section until you release it.' : `${lock.name} is editing this section.`;
  wrapper.append(badge);
  if (ownership.kind === 'mine') wrapper.append(button('Release', 'Release your lock on this section', 'release-lock', sectionId, () => client.release(sectionId)));
  return wrapper;
}

function button(label: string, description: string, testId: string, sectionId: string, onClick: () => void): HTMLButtonElement {
  const element = document.createElement('button');
  element.type = 'button';
  element.className = 'section-lock__button';
  element.dataset.testid = testId;
  element.dataset.sectionId = sectionId;
  element.dataset.label = label;
  element.setAttribute('aria-label', description);
  element.title = description;
  // Keep the caret where it is: a mousedown inside the editor would move the selection.
  element.addEventListener('mousedown', (event) => event.preventDefault());
  element.addEventListener('click', (event) => {
    event.preventDefault();
    onClick();
  });
  return element;
}
