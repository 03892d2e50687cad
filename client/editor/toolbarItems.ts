/**
 * The toolbar as data: what each button does, how it knows it is active for the current
 * selection, and the shortcut its tooltip advertises (the shortcuts themselves come from the
 * Tiptap extensions; `Mod-k` for links is added in link.ts).
 */
import type { Editor } from '@tiptap/core';
import type { ReactNode } from 'react';
import { ICONS } from './icons.js';
import { toggleLink } from './link.js';

export interface ToolbarItem {
  id: string;
  label: string;
  /** Short visible text or an icon; the label is the accessible name. */
  glyph: string | ReactNode;
  shortcut: string;
  /** Toggles (bold, lists…) expose a pressed state; actions (undo, redo) do not. */
  toggles: boolean;
  isActive(editor: Editor): boolean;
  isEnabled(editor: Editor): boolean;
  run(editor: Editor): void;
}

type ItemSpec = Omit<ToolbarItem, 'isEnabled' | 'toggles'> & { isEnabled?: (editor: Editor) => boolean };

const never = (): boolean => false;
const always = (): boolean => true;

function item(spec: ItemSpec): ToolbarItem {
  return { ...spec, toggles: spec.isActive !== never, isEnabled: spec.isEnabled ?? always };
}

export const TOOLBAR_GROUPS: readonly (readonly ToolbarItem[])[] = [
  [1, 2, 3].map((level) =>
    item({
      id: `h${level}`,
      label: `Heading ${level}`,
      glyph: `H${level}`,
      shortcut: `Mod-Alt-${level}`,
      isActive: (editor) => editor.isActive('heading', { level }),
      run: (editor) => editor.chain().focus().toggleHeading({ level: level as 1 | 2 | 3 }).run(),
    }),
  ),
  [
    item({
      id: 'bold',
      label: 'Bold',
      glyph: 'B',
      shortcut: 'Mod-b',
      isActive: (editor) => editor.isActive('bold'),
      run: (editor) => editor.chain().focus().toggleBold().run(),
    }),
    item({
      id: 'italic',
      label: 'Italic',
      glyph: 'I',
      shortcut: 'Mod-i',
      isActive: (editor) => editor.isActive('italic'),
      run: (editor) => editor.chain().focus().toggleItalic().run(),
    }),
    item({
      id: 'strike',
      label: 'Strikethrough',
      glyph: 'S',
      shortcut: 'Mod-Shift-s',
      isActive: (editor) => editor.isActive('strike'),
      run: (editor) => editor.chain().focus().toggleStrike().run(),
    }),
    item({
      id: 'code',
      label: 'Inline code',
      glyph: '<>',
      shortcut: 'Mod-e',
      isActive: (editor) => editor.isActive('code'),
      run: (editor) => editor.chain().focus().toggleCode().run(),
    }),
  ],
  [
    item({
      id: 'bullet-list',
      label: 'Bulleted list',
      glyph: ICONS.bulletList,
      shortcut: 'Mod-Shift-8',
      isActive: (editor) => editor.isActive('bulletList'),
      run: (editor) => editor.chain().focus().toggleBulletList().run(),
    }),
    item({
      id: 'ordered-list',
      label: 'Numbered list',
      glyph: ICONS.orderedList,
      shortcut: 'Mod-Shift-7',
      isActive: (editor) => editor.isActive('orderedList'),
      run: (editor) => editor.chain().focus().toggleOrderedList().run(),
    }),
    item({
      id: 'task-list',
      label: 'Checklist',
      glyph: ICONS.taskList,
      shortcut: 'Mod-Shift-9',
      isActive: (editor) => editor.isActive('taskList'),
      run: (editor) => editor.chain().focus().toggleTaskList().run(),
    }),
    item({
      id: 'blockquote',
      label: 'Quote',
      glyph: ICONS.blockquote,
      shortcut: 'Mod-Shift-b',
      isActive: (editor) => editor.isActive('blockquote'),
      run: (editor) => editor.chain().focus().toggleBlockquote().run(),
    }),
    item({
      id: 'code-block',
      label: 'Code block',
      glyph: ICONS.codeBlock,
      shortcut: 'Mod-Alt-c',
      isActive: (editor) => editor.isActive('codeBlock'),
      run: (editor) => editor.chain().focus().toggleCodeBlock().run(),
    }),
    item({
      id: 'link',
      label: 'Link',
      glyph: ICONS.link,
      shortcut: 'Mod-k',
      isActive: (editor) => editor.isActive('link'),
      run: (editor) => toggleLink(editor),
    }),
  ],
  [
    item({
      id: 'undo',
      label: 'Undo',
      glyph: ICONS.undo,
      shortcut: 'Mod-z',
      isActive: never,
      isEnabled: (editor) => editor.can().undo(),
      run: (editor) => editor.chain().focus().undo().run(),
    }),
    item({
      id: 'redo',
      label: 'Redo',
      glyph: ICONS.redo,
      shortcut: 'Mod-Shift-z',
      isActive: never,
      isEnabled: (editor) => editor.can().redo(),
      run: (editor) => editor.chain().focus().redo().run(),
    }),
  ],
];
