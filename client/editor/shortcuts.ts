/** Keyboard shortcuts as people read them on their platform ("⌘B" on a Mac, "Ctrl+B" elsewhere). */
const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

/** `keys` uses Tiptap's notation, e.g. `Mod-Shift-8`. */
export function formatShortcut(keys: string): string {
  const parts = keys.split('-').map((part) => {
    switch (part) {
      case 'Mod':
        return isMac ? '⌘' : 'Ctrl';
      case 'Shift':
        return isMac ? '⇧' : 'Shift';
      case 'Alt':
        return isMac ? '⌥' : 'Alt';
      default:
        return part.length === 1 ? part.toUpperCase() : part;
    }
  });
  return isMac ? parts.join('') : parts.join('+');
}
