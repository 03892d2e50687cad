/** Adding and removing links: one action, so the button and Mod-k behave the same. */
import { Extension, type Editor } from '@tiptap/core';

/** Accepts what people paste or type ("example.com", "https://…", "mailto:…"); refuses script URLs. */
export function normalizeLinkHref(raw: string): string | null {
  const text = raw.trim();
  if (text === '') return null;
  if (/^(javascript|data|vbscript):/i.test(text)) return null;
  if (/^[a-z][a-z0-9+.-]*:/i.test(text) || text.startsWith('/') || text.startsWith('#')) return text;
  return `https://${text}`;
}

export function toggleLink(editor: Editor): void {
  if (editor.isActive('link')) {
    editor.chain().focus().extendMarkRange('link').unsetLink().run();
    return;
  }
  const raw = window.prompt('Link address', 'https://');
  if (raw === null) return;
  const href = normalizeLinkHref(raw);
  if (!href || href === 'https://') return;
  const chain = editor.chain().focus();
  if (editor.state.selection.empty) {
    // No selection: insert the address itself as linked text, as most editors do.
    chain.insertContent({ type: 'text', text: href, marks: [{ type: 'link', attrs: { href } }] }).run();
  } else {
    chain.setLink({ href }).run();
  }
}

export const LinkShortcut = Extension.create({
  name: 'linkShortcut',
  addKeyboardShortcuts() {
    return {
      'Mod-k': () => {
        toggleLink(this.editor);
        return true;
      },
    };
  },
});
