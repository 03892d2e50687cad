/**
 * The `ychange` mark and block attribute y-tiptap's snapshot renderer writes when it shows a diff.
 * They must exist in the preview schema: rendering a snapshot through a schema without them drops the
 * marked text, and (if the editor were bound to a document with a provider) that deletion would sync.
 * The preview editor is only ever bound to a throwaway Y.Doc, and has these.
 */
import { Extension, Mark } from '@tiptap/core';

interface YChange {
  user: string | null;
  type: 'added' | 'removed';
  color: { light: string; dark: string } | null;
}

function changeStyle(change: YChange | null): Record<string, string> {
  if (!change) return {};
  const color = change.color?.light ?? '#3e63dd';
  return {
    'data-ychange': change.type,
    'data-ychange-user': change.user ?? '',
    style: change.type === 'added' ? `background-color: ${color}33; box-shadow: inset 0 -2px 0 ${color};` : `color: ${color}; text-decoration: line-through; background-color: ${color}1a;`,
  };
}

export const YChangeMark = Mark.create({
  name: 'ychange',
  inclusive: false,
  excludes: '',
  addAttributes() {
    return {
      user: { default: null, rendered: false },
      type: { default: null, rendered: false },
      color: { default: null, rendered: false },
    };
  },
  parseHTML() {
    return [{ tag: 'ychange' }];
  },
  renderHTML({ mark }) {
    return ['ychange', changeStyle(mark.attrs as YChange), 0];
  },
});

/** Block-level insertions and deletions (a whole paragraph added or removed). */
export const YChangeBlockAttribute = Extension.create({
  name: 'ychangeBlock',
  addGlobalAttributes() {
    return [
      {
        types: ['paragraph', 'heading', 'blockquote', 'codeBlock', 'bulletList', 'orderedList', 'listItem', 'taskList', 'taskItem', 'horizontalRule'],
        attributes: {
          ychange: {
            default: null,
            parseHTML: () => null,
            renderHTML: (attributes: Record<string, unknown>) => changeStyle(attributes.ychange as YChange | null),
          },
        },
      },
    ];
  },
});
