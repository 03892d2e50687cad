/**
 * Installs one happy-dom window as the global DOM, once per process.
 *
 * Why a DOM at all: y-tiptap binds the Y.XmlFragment to the editor in the sync plugin's `view`
 * hook, which only runs when Tiptap mounts an EditorView. A Tiptap editor without an element has
 * no view, so it would never send or receive a Yjs operation. Rendering into a detached happy-dom
 * element keeps the whole real stack (Tiptap commands → ProseMirror → y-tiptap → Yjs) in play.
 *
 * Import this module before anything that reads `document`/`navigator` at import time.
 */
import { Window } from 'happy-dom';

type DomGlobals = Record<string, unknown>;

/** The globals ProseMirror and Tiptap touch in a headless run (feature detection, DOM rendering). */
const DOM_GLOBALS = [
  'document',
  'navigator',
  'Node',
  'Element',
  'HTMLElement',
  'Text',
  'DocumentFragment',
  'MutationObserver',
  'getComputedStyle',
  'Range',
  'Selection',
  'DOMParser',
  'Event',
  'KeyboardEvent',
  'ClipboardEvent',
  'InputEvent',
  'requestAnimationFrame',
  'cancelAnimationFrame',
] as const;

let installed: Window | null = null;

export function installDom(): Window {
  if (installed) return installed;
  const win = new Window({ url: 'http://localhost/' });
  const target = globalThis as unknown as DomGlobals;
  const source = win as unknown as DomGlobals;
  for (const name of DOM_GLOBALS) {
    // Node 21+ defines its own `navigator` as a getter-only global; defineProperty replaces it.
    const value = typeof source[name] === 'function' && !/^[A-Z]/.test(name)
      ? (source[name] as (...args: unknown[]) => unknown).bind(win)
      : source[name];
    Object.defineProperty(target, name, { value, configurable: true, writable: true });
  }
  Object.defineProperty(target, 'window', { value: win, configurable: true, writable: true });
  installed = win;
  return win;
}

installDom();
