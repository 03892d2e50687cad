/**
 * linkify leaves the first download (vite.config.ts `linkifyOnDemand`, client/editor/linkifyOnDemand.ts)
 * and still does its work: the page lists no linkify script, the chunk arrives by itself once the app
 * runs, and then a typed URL autolinks and a URL pasted over a selection links it, as with stock Tiptap.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { browserEnvironment, browserTestsEnabled, createDocument, newUser, openDocument, type UserPage } from '../helpers/browser.js';

const LINKIFY_CHUNK = /\/assets\/linkify-[\w-]+\.js$/;

describe.skipIf(!browserTestsEnabled())('linkify on demand', () => {
  const env = browserEnvironment();
  let user: UserPage;

  beforeAll(async () => {
    user = await newUser(env.browser, env.server.url, 'Link Typist');
    await openDocument(user.page, await createDocument(user, 'Links'));
  });

  /** Whether this page has fetched the linkify chunk (from the network or the service worker's cache). */
  const linkifyLoaded = (): Promise<boolean> =>
    user.page.evaluate((source) => performance.getEntriesByType('resource').some((entry) => new RegExp(source).test(entry.name)), LINKIFY_CHUNK.source);

  it('is not part of what index.html loads, and arrives on its own', async () => {
    const html = await (await fetch(`${env.server.url}/`)).text();
    expect(html).toMatch(/<script type="module"[^>]*src="\/assets\/index-/);
    expect(html).not.toMatch(/linkify/);
    await expect.poll(linkifyLoaded, { timeout: 15_000 }).toBe(true);
  });

  it('autolinks a typed URL and links a selection a URL is pasted over', async () => {
    const { page } = user;
    // Before the chunk is here a typed URL stays text (by design); this test is about after.
    await expect.poll(linkifyLoaded, { timeout: 15_000 }).toBe(true);
    await page.locator('.ProseMirror').click();
    await page.keyboard.type('see https://example.org and more');
    await expect.poll(() => page.locator('.ProseMirror a').getAttribute('href')).toBe('https://example.org');

    // Select "more" and paste a URL over it: Link's paste handler asks linkify whether it is one.
    await page.keyboard.press('Shift+Control+ArrowLeft');
    await page.locator('.ProseMirror').evaluate((editor) => {
      const data = new DataTransfer();
      data.setData('text/plain', 'https://tandem.test/x');
      editor.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    });
    await expect.poll(() => page.locator('.ProseMirror a', { hasText: 'more' }).getAttribute('href')).toBe('https://tandem.test/x');
    expect(user.errors).toEqual([]);
  });
});
