/**
 * Tiptap's Link extension with autolink limited to this editor's own changes.
 *
 * Tiptap 3's autolink is an `appendTransaction` that looks at every document change, including the ones
 * y-tiptap dispatches to show the Y.Doc (a received update, an undo, the first render of a loaded
 * document). Whenever a changed textblock's last word looks like a URL it adds a link mark:
 * - to a received update: y-tiptap never writes what is appended to its own render back to Yjs (the
 *   binding is busy rendering), so this editor shows a link that its Y.Doc, every other replica and a
 *   reload do not have;
 * - to the first render of a loaded document, where the whole document "changed" and the first textblock
 *   counts even without a trailing space: here y-tiptap does write it, so merely opening a document whose
 *   first block ends with a URL (after someone removed that link, or merged text after it) edits it.
 * Both are honest-only; the structure fuzzer found the second (seeds 1016, 1039, 1056, 1069: editors show
 * plain text, a fresh render of the same room shows — and writes — a link).
 *
 * Autolink is a reaction to typing, so it is skipped for batches that contain a y-sync transaction: a
 * batch starts with the dispatched transaction, and one y-tiptap dispatches is never mixed with a local
 * edit. The link mark itself and the other Link plugins (paste, click) are unchanged.
 */
import { isChangeOrigin } from '@tiptap/extension-collaboration';
import { Link } from '@tiptap/extension-link';
import { Plugin, type PluginSpec } from '@tiptap/pm/state';

/** Tiptap creates the plugin with `new PluginKey('autolink')`, whose key is `autolink$` (or `autolink$N`). */
function isAutolinkPlugin(plugin: Plugin): boolean {
  return /^autolink\$\d*$/.test((plugin as unknown as { key: string }).key);
}

function localOnly(plugin: Plugin): Plugin {
  const spec = plugin.spec as PluginSpec<unknown>;
  const append = spec.appendTransaction;
  if (!append) return plugin;
  return new Plugin({
    ...spec,
    appendTransaction: (transactions, oldState, newState) =>
      transactions.some((transaction) => isChangeOrigin(transaction)) ? null : append.call(plugin, transactions, oldState, newState),
  });
}

export const LocalAutolinkLink = Link.extend({
  addProseMirrorPlugins() {
    const plugins = this.parent?.() ?? [];
    return plugins.map((plugin) => (isAutolinkPlugin(plugin) ? localOnly(plugin) : plugin));
  },
});

