/**
 * A click that a remote change overtakes (the bug the collaboration test used to work around): Bob clicks
 * into another paragraph, and before ProseMirror has read the new DOM selection (it does on the browser's
 * `selectionchange`, a task later) an update from Ada arrives. y-tiptap re-renders and restores the
 * selection it captured before the update, which was ProseMirror's stale one, so Bob's next keystrokes went
 * into the paragraph he had left. The test makes the overtaking certain: a hook in Bob's page moves the DOM
 * selection, as his click does, right before his socket delivers Ada's next document update.
 */
import { describe, expect, it } from 'vitest';
import { browserTestsEnabled, editorText, twoPeopleInOneDocument } from '../helpers/browser.js';

/** Runs `window.__beforeNextUpdate` (once) right before the page's next incoming sync update is handled. */
const HOOK_INCOMING_UPDATES = `(() => {
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    set onmessage(handler) {
      super.onmessage = (event) => {
        const bytes = event.data instanceof ArrayBuffer ? new Uint8Array(event.data) : null;
        const hook = window.__beforeNextUpdate;
        // y-protocols sync (0), update (2): a document change, not awareness.
        if (hook && bytes && bytes[0] === 0 && bytes[1] === 2) {
          window.__beforeNextUpdate = null;
          hook();
        }
        handler.call(this, event);
      };
    }
    get onmessage() {
      return super.onmessage;
    }
  };
})();`;

describe.skipIf(!browserTestsEnabled())('a click overtaken by a remote change', () => {
  const env = twoPeopleInOneDocument('caret-race');

  it('types where the person clicked, not where the caret was before', async () => {
    const { ada, bob } = env;
    await bob.page.addInitScript(HOOK_INCOMING_UPDATES);
    await bob.page.reload();
    await bob.page.locator('.ProseMirror').waitFor();

    await ada.page.locator('.ProseMirror').click();
    await ada.page.keyboard.type('First paragraph.');
    await ada.page.keyboard.press('Enter');
    await ada.page.keyboard.type('Second paragraph.');
    await expect.poll(() => editorText(bob.page)).toBe('First paragraph.\nSecond paragraph.');
    // Ada at the end of the first paragraph; Bob's caret in the first paragraph too.
    await ada.page.locator('.ProseMirror p').nth(0).click();
    await ada.page.keyboard.press('End');
    await bob.page.locator('.ProseMirror p').nth(0).click();
    await bob.page.keyboard.press('End');

    // Bob "clicks" the end of the second paragraph: the DOM selection moves, right before Ada's next update.
    await bob.page.evaluate(() => {
      (window as unknown as { __beforeNextUpdate: () => void }).__beforeNextUpdate = () => {
        const paragraph = document.querySelectorAll('.ProseMirror p')[1] as HTMLElement;
        const text = paragraph.lastChild as Text;
        window.getSelection()?.collapse(text, text.length);
      };
    });
    await ada.page.keyboard.type('!');
    await expect.poll(() => editorText(bob.page)).toBe('First paragraph.!\nSecond paragraph.');
    expect(await bob.page.evaluate(() => (window as unknown as { __beforeNextUpdate: unknown }).__beforeNextUpdate)).toBeNull();

    await bob.page.keyboard.type(' Bob');
    const expected = 'First paragraph.!\nSecond paragraph. Bob';
    await expect.poll(() => editorText(bob.page)).toBe(expected);
    await expect.poll(() => editorText(ada.page)).toBe(expected);
  });
});
