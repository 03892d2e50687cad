/**
 * Works around a @tiptap/y-tiptap 3.0.9 bug that leaves an editor showing a different document than its
 * Y.Doc (found by the convergence suite, seeds 10 and 1485).
 *
 * When a received update (or an undo) touches formatted text, Yjs follows it with a formatting-cleanup
 * transaction in the same cleanup chain. y-tiptap re-renders the editor for the first transaction, then,
 * for the second, resolves the selection it captured before the first against the already re-rendered
 * (shorter) document: `isMisresolvedAfterStructuralChange` throws RangeError before the re-render is
 * dispatched. y-protocols swallows the error, so that replica silently keeps showing the older document
 * until some later update re-renders it — and a user typing meanwhile edits text that is not there.
 *
 * The binding's observer is wrapped: on that RangeError it runs again without the stale selection, so the
 * re-render happens and ProseMirror maps the selection itself. The first attempt threw before it changed
 * anything but the binding's node mapping, which the observer rebuilds from scratch, so the retry is
 * exact. Remove this once y-tiptap resolves the captured selection against the document it came from.
 */
import { Extension } from '@tiptap/core';
import { Plugin, PluginKey } from '@tiptap/pm/state';
import { type ProsemirrorBinding, ySyncPluginKey } from '@tiptap/y-tiptap';
import type * as Y from 'yjs';

type Observer = (events: Array<Y.YEvent<Y.AbstractType<unknown>>>, transaction: Y.Transaction) => void;

const guarded = new WeakSet<ProsemirrorBinding>();

function guardBinding(binding: ProsemirrorBinding): void {
  if (guarded.has(binding)) return;
  guarded.add(binding);
  const original = binding._observeFunction as Observer;
  const recovering: Observer = (events, transaction) => {
    try {
      original(events, transaction);
    } catch (error) {
      if (!(error instanceof RangeError) || binding.beforeTransactionSelection === null) throw error;
      // The declaration says non-null, but y-tiptap itself stores and checks null here ("no selection").
      (binding as { beforeTransactionSelection: unknown }).beforeTransactionSelection = null;
      original(events, transaction);
    }
  };
  // The binding observes `_observeFunction` from initView on and unobserves it on destroy, so replacing
  // the field keeps both in step; if it is already observing, move the registration over now.
  const observing = binding.prosemirrorView != null;
  if (observing) binding.type.unobserveDeep(original);
  binding._observeFunction = recovering;
  if (observing) binding.type.observeDeep(recovering);
}

export const StaleSelectionRecovery = Extension.create({
  name: 'staleSelectionRecovery',

  addProseMirrorPlugins() {
    return [
      new Plugin({
        key: new PluginKey('staleSelectionRecovery'),
        view: (view) => {
          const binding = (ySyncPluginKey.getState(view.state) as { binding?: ProsemirrorBinding } | undefined)?.binding;
          if (binding) guardBinding(binding);
          return {};
        },
      }),
    ];
  },
});
