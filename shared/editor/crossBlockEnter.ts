/**
 * Enter with a selection that spans blocks: delete the selection first, then let the usual Enter
 * handlers (list items, code blocks, splitBlock) act on the collapsed caret — what ProseMirror's own
 * splitBlock does. @tiptap/core 3.31.3's splitBlock throws on some such selections instead (found by the
 * convergence suite, single user, no collaboration involved): from inside a code block across a
 * horizontal rule into a paragraph (TransformError "Inserted content deeper than insertion position",
 * seed 331), and from an empty heading into a paragraph inside a blockquote (RangeError "Invalid content
 * for node type paragraph", seed 10265). In a browser the keypress was simply lost, with an error.
 */
import { Extension } from '@tiptap/core';

/** Above every extension's own Enter handler, so this runs first and hands over with a caret. */
const BEFORE_OTHER_ENTER_HANDLERS = 1_000;

export const CrossBlockEnter = Extension.create({
  name: 'crossBlockEnter',
  priority: BEFORE_OTHER_ENTER_HANDLERS,

  addKeyboardShortcuts() {
    return {
      Enter: ({ editor }) => {
        const { selection } = editor.state;
        if (selection.empty || selection.$from.sameParent(selection.$to)) return false;
        editor.commands.deleteSelection();
        // Not handled: the next Enter handler reads the state this deletion left.
        return false;
      },
    };
  },
});
