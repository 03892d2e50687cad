/**
 * Publishes this tab's caret after the keystroke's frame is painted, not inside the keystroke.
 *
 * y-tiptap's caret plugin turns the selection into Yjs relative positions in its view `update`, on
 * every transaction: a walk from the document's start to the caret (O(document)), then an awareness
 * write whose `change` event makes the same plugin dispatch a second transaction. In a 200-page
 * document that is on the path from key to paint. Here the plugin's `update` runs once per frame,
 * after the paint (afterNextPaint.ts), with the state as it is then. Remote carets follow within a
 * frame plus the network, well inside the ~100 ms people notice.
 *
 * A remote change is passed on at once: the plugin republishes the caret then (`force`), and that is
 * decided from the transaction being a remote one, which is only known during that update.
 */
import { Plugin, type EditorState, type PluginView } from '@tiptap/pm/state';
import type { EditorView } from '@tiptap/pm/view';
import { ySyncPluginKey } from '@tiptap/y-tiptap';
import { afterNextPaint } from './afterNextPaint.js';

/** The same plugin (key, state, props), with its view's `update` deferred to after the next paint. */
export function withDeferredUpdates(plugin: Plugin): Plugin {
  const makeView = plugin.spec.view;
  if (!makeView) return plugin;
  return new Plugin({ ...plugin.spec, view: (view) => deferredView(view, makeView(view)) });
}

function deferredView(view: EditorView, inner: PluginView): PluginView {
  // The state before the first update not yet passed on: the plugin compares documents with it.
  let pending: EditorState | null = null;
  let cancel: (() => void) | null = null;

  const flush = (): void => {
    cancel?.();
    cancel = null;
    const prevState = pending;
    pending = null;
    if (prevState && !view.isDestroyed) inner.update?.(view, prevState);
  };

  return {
    update: (updated, prevState) => {
      pending ??= prevState;
      if ((ySyncPluginKey.getState(updated.state) as { isChangeOrigin?: boolean } | undefined)?.isChangeOrigin) flush();
      else cancel ??= afterNextPaint(flush);
    },
    destroy: () => {
      cancel?.();
      cancel = null;
      pending = null;
      inner.destroy?.();
    },
  };
}
