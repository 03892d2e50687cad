/**
 * When the server refuses a change, the person is told at once, never reads "All changes saved", can copy
 * their text, and can discard the refused change to edit again (a reload alone sends it again).
 *
 * The refused change is made by the page's own replica. There is no test hook in the app: the test reaches
 * the editor's Y.Doc through the `editor` property Tiptap puts on the editor element, and either
 *   - inserts a Y.XmlText straight into the fragment (text at the top level breaks the schema: 4400), or
 *   - types under a clientID the server has bound to someone else (4403).
 */
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  browserEnvironment,
  browserTestsEnabled,
  createDocument,
  editorText,
  newUser,
  openDocument,
  saveScreenshot,
  shareWith,
  waitForConnectionState,
  type UserPage,
} from '../helpers/browser.js';

const SCREENSHOT = path.resolve(import.meta.dirname, '../../docs/refused-change.png');
const SCHEMA_REFUSAL = "The server didn't accept your last change (it would have broken the document).";
const IDENTITY_REFUSAL = "The server didn't accept your last change (it was marked as another person's edit).";

/** The slice of Yjs the page's doc offers the test (the page does not export Yjs itself). */
interface PageYText {
  constructor: new (text: string) => unknown;
}
interface PageYElement {
  get(index: number): PageYText;
}
interface PageYFragment {
  get(index: number): PageYElement;
  insert(index: number, content: unknown[]): void;
  readonly length: number;
}
interface PageYDoc {
  clientID: number;
  getXmlFragment(name: string): PageYFragment;
}
/** What this test's init script defines in every page of a context (the app defines none of it). */
interface PageWindow {
  /** The Y.Doc the editor is bound to. */
  e2eDoc(): PageYDoc;
  /** Every text the save status has shown since the page started (or the last `forgetSaveStates`). */
  saveStatesSeen: string[];
}

async function instrument(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const page = window as unknown as PageWindow;
    page.e2eDoc = () => {
      type Editor = { extensionManager: { extensions: Array<{ name: string; options: { document?: PageYDoc } }> } };
      const editor = (document.querySelector('.ProseMirror') as unknown as { editor?: Editor } | null)?.editor;
      const doc = editor?.extensionManager.extensions.find((extension) => extension.name === 'collaboration')?.options.document;
      if (!doc) throw new Error('no editor bound to a Y.Doc on this page');
      return doc;
    };
    // From the first render on, so not even a flash between load and the server's answer goes unseen.
    page.saveStatesSeen = [];
    new MutationObserver(() => {
      const text = document.querySelector('[data-testid="save-state"]')?.textContent;
      if (text !== undefined && text !== null && page.saveStatesSeen.at(-1) !== text) page.saveStatesSeen.push(text);
    }).observe(document, { subtree: true, childList: true, characterData: true });
  });
}

const saveStatesSeen = (page: Page) => page.evaluate(() => (window as unknown as PageWindow).saveStatesSeen);
const forgetSaveStates = (page: Page) =>
  page.evaluate(() => {
    (window as unknown as PageWindow).saveStatesSeen = [];
  });

/** Puts the caret at the end of the document (a click lands wherever the middle of the editor is). */
async function caretToEnd(page: Page): Promise<void> {
  await page.locator('.ProseMirror > *').last().click();
  await page.keyboard.press('End');
}

async function typeAndSync(page: Page, text: string): Promise<void> {
  await caretToEnd(page);
  await page.keyboard.type(text);
  await page.locator('[data-testid="save-state"][data-pending="false"]').waitFor({ timeout: 15_000 });
  await expect.poll(() => page.getByTestId('save-state').innerText()).toBe('All changes saved');
}

async function expectRefused(page: Page, message: string): Promise<void> {
  await waitForConnectionState(page, 'error');
  await expect.poll(() => page.getByTestId('error-banner').innerText()).toContain(message);
  await expect.poll(() => page.getByTestId('save-state').innerText()).toBe('Last change not saved');
  // The raw close reason ("update refused: …") is not repeated as a notice.
  expect(await page.getByTestId('notice-banner').count()).toBe(0);
  await expect.poll(() => page.locator('.ProseMirror').getAttribute('contenteditable')).toBe('false');
}

async function discardAndReload(page: Page): Promise<void> {
  const banner = page.getByTestId('error-banner');
  await banner.getByTestId('discard-unsynced').click();
  await expect.poll(() => banner.getByTestId('discard-confirm').innerText()).toContain("Discard everything on this device that the server doesn't have");
  const reloaded = page.waitForEvent('load');
  await banner.getByTestId('discard-confirm-button').click();
  await reloaded;
  await waitForConnectionState(page, 'connected');
  expect(await page.getByTestId('error-banner').count()).toBe(0);
  await expect.poll(() => page.locator('.ProseMirror').getAttribute('contenteditable')).toBe('true');
}

describe.skipIf(!browserTestsEnabled())('a change the server refuses', () => {
  const env = browserEnvironment();
  const users: UserPage[] = [];
  // Registered after the environment's, so it runs first: contexts close before the browser does.
  afterAll(async () => {
    for (const user of users) await user.context.close();
  });

  async function person(name: string, withClipboard = false): Promise<UserPage> {
    const user = await newUser(env.browser, env.server.url, name, withClipboard ? { permissions: ['clipboard-read', 'clipboard-write'] } : {});
    users.push(user);
    await instrument(user.context);
    return user;
  }

  it('that breaks the schema is announced, can be copied, and can be discarded to keep editing', async () => {
    const ada = await person('Ada Refused', true);
    const docName = await createDocument(ada, 'Refused schema');
    const { page } = ada;
    await openDocument(page, docName);
    await typeAndSync(page, 'Honest line.');
    await forgetSaveStates(page);

    const injected = await page.evaluate(() => {
      const fragment = (window as unknown as PageWindow).e2eDoc().getXmlFragment('default');
      // The paragraph's Y.XmlText gives the class without importing Yjs into the page.
      const XmlText = fragment.get(0).get(0).constructor;
      try {
        fragment.insert(fragment.length, [new XmlText('Refused line.')]);
        return 'inserted';
      } catch (error) {
        // The editor binding cannot render text at the top level and throws from its observer, after the
        // update went out (Yjs emits `update` while cleaning up the transaction, then rethrows).
        return `inserted; the editor binding threw ${String(error)}`;
      }
    });
    expect(injected).toMatch(/^inserted/);

    await expectRefused(page, SCHEMA_REFUSAL);
    await saveScreenshot(page, SCREENSHOT);

    // The editor binding drops what it cannot show, so the text to rescue is what the person typed.
    const banner = page.getByTestId('error-banner');
    await banner.getByTestId('copy-my-text').click();
    await expect.poll(() => banner.getByTestId('copy-my-text').innerText()).toBe('Copied');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe('Honest line.');

    // A browser that refuses the clipboard gets the text selected in a field instead.
    await page.evaluate(() => {
      navigator.clipboard.writeText = () => Promise.reject(new DOMException('denied', 'NotAllowedError'));
    });
    await banner.getByTestId('copy-my-text').click();
    const fallback = banner.getByTestId('copy-fallback');
    await expect.poll(() => fallback.inputValue()).toBe('Honest line.');
    expect(await fallback.evaluate((field: HTMLTextAreaElement) => [field.selectionStart, field.selectionEnd, document.activeElement === field])).toEqual([
      0,
      'Honest line.'.length,
      true,
    ]);

    // Asking first: "Keep them" changes nothing.
    await banner.getByTestId('discard-unsynced').click();
    await banner.getByRole('button', { name: 'Keep them' }).click();
    expect(await banner.getByTestId('discard-confirm').count()).toBe(0);
    expect(await saveStatesSeen(page)).not.toContain('All changes saved');

    await discardAndReload(page);
    await expect.poll(() => editorText(page)).toBe('Honest line.');

    // Editing works again, and reaches someone else.
    await typeAndSync(page, ' Editing again.');
    const bob = await person('Bob Reader');
    await shareWith(ada, docName, bob.email, 'editor');
    await openDocument(bob.page, docName);
    await expect.poll(() => editorText(bob.page), { timeout: 15_000 }).toBe('Honest line. Editing again.');

    expect(ada.errors).toEqual([]);
    expect(bob.errors).toEqual([]);
  });

  it("written under another person's clientID keeps the typed text, returns on reload, and goes on discard", async () => {
    const bob = await person('Bob Owner');
    const docName = await createDocument(bob, 'Refused identity');
    await openDocument(bob.page, docName);
    await typeAndSync(bob.page, "Bob's line.");
    const bobClientId = await bob.page.evaluate(() => (window as unknown as PageWindow).e2eDoc().clientID);

    const ada = await person('Ada Borrower', true);
    await shareWith(bob, docName, ada.email, 'editor');
    const { page } = ada;
    await openDocument(page, docName);
    await expect.poll(() => editorText(page)).toBe("Bob's line.");
    await page.locator('[data-testid="save-state"][data-pending="false"]').waitFor({ timeout: 15_000 });
    await forgetSaveStates(page);
    // Written offline, so the whole line reaches the server as one update when the network returns (online,
    // the first keystroke would be refused and the editor made read-only before the rest).
    await ada.context.setOffline(true);
    await waitForConnectionState(page, 'offline');
    // Caret first: with the doc's clientID changed, the caret extension takes Ada's own presence for
    // someone else's and draws her a name flag, which a click may land on.
    await caretToEnd(page);
    await page.evaluate((clientId) => {
      (window as unknown as PageWindow).e2eDoc().clientID = clientId;
    }, bobClientId);
    await page.keyboard.press('Enter');
    await page.keyboard.type('Ada under the wrong id.');
    await ada.context.setOffline(false);

    await expectRefused(page, IDENTITY_REFUSAL);
    expect(await editorText(page)).toBe("Bob's line.\nAda under the wrong id.");
    const banner = page.getByTestId('error-banner');
    await banner.getByTestId('copy-my-text').click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe("Bob's line.\nAda under the wrong id.");

    // The refused change is stored on this device, so a plain reload sends it again and is refused again.
    await page.reload();
    await expectRefused(page, IDENTITY_REFUSAL);
    await expect.poll(() => editorText(page)).toBe("Bob's line.\nAda under the wrong id.");
    expect(await saveStatesSeen(page)).not.toContain('All changes saved');

    await discardAndReload(page);
    await expect.poll(() => editorText(page)).toBe("Bob's line.");
    expect(await editorText(bob.page)).toBe("Bob's line.");
    await typeAndSync(page, ' Ada, properly.');
    await expect.poll(() => editorText(bob.page), { timeout: 15_000 }).toBe("Bob's line. Ada, properly.");

    expect(ada.errors).toEqual([]);
    expect(bob.errors).toEqual([]);
  });

});
