/** Home page: one-click new document, the lists from the server, copying a link, the trash, bad addresses. */
import { beforeAll, describe, expect, it } from 'vitest';
import { browserEnvironment, browserTestsEnabled, newUser, waitForConnectionState, type UserPage } from '../helpers/browser.js';

describe.skipIf(!browserTestsEnabled())('home page', () => {
  const env = browserEnvironment();
  let user: UserPage;

  beforeAll(async () => {
    user = await newUser(env.browser, env.server.url, 'Grace Hopper', { permissions: ['clipboard-read', 'clipboard-write'] });
  });

  const rows = () => user.page.getByTestId('owned-documents').getByTestId('document-row');

  it('refuses an address that is not a document with a clear message', async () => {
    const { page } = user;
    await page.goto('/d/..%2Fetc%2Fpasswd');
    await expect.poll(() => page.getByRole('alert').innerText()).toContain('This link is not valid');
    await page.getByRole('button', { name: 'Go to your documents' }).click();
    await page.getByTestId('home').waitFor();
    expect(new URL(page.url()).pathname).toBe('/');
  });

  it('creates a document in one click, lists it, and copies its address', async () => {
    const { page } = user;
    await page.getByTestId('owned-documents-empty').waitFor();
    await page.getByTestId('new-document').click();
    await page.waitForURL(/\/d\/[A-Za-z0-9_-]+$/);
    const docPath = new URL(page.url()).pathname;
    await waitForConnectionState(page, 'connected');

    // Restricted (the default): the link is the plain address, which only people with access can open.
    await page.getByTestId('share-button').click();
    await expect.poll(() => page.getByTestId('general-access').getAttribute('data-link-role')).toBe('off');
    await page.getByTestId('copy-link').click();
    await expect.poll(() => page.getByTestId('copy-link').innerText()).toBe('Link copied');
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(new URL(copied).pathname + new URL(copied).search).toBe(docPath);
    await page.getByTestId('share-done').click();

    await page.goBack();
    await page.getByTestId('owned-documents').waitFor();
    expect(await rows().count()).toBe(1);
    expect(await rows().first().getAttribute('data-id')).toBe(decodeURIComponent(docPath.slice('/d/'.length)));
    expect(await rows().first().getByTestId('document-link').innerText()).toBe('Untitled');
    expect(user.errors).toEqual([]);
  });

  it('moves a document to the trash (with undo), restores it, and deletes it forever', async () => {
    const { page } = user;
    const status = page.getByTestId('home-status');
    await rows().first().getByTestId('trash-document').click();
    await expect.poll(() => status.innerText()).toContain('moved to the trash');
    await page.getByTestId('owned-documents-empty').waitFor();
    await status.getByRole('button', { name: 'Undo' }).click();
    await expect.poll(() => rows().count()).toBe(1);

    await rows().first().getByTestId('trash-document').click();
    await page.getByTestId('owned-documents-empty').waitFor();
    await page.getByTestId('open-trash').click();
    await page.getByTestId('trash-row').waitFor();
    await page.getByTestId('restore-document').click();
    await page.getByTestId('trash-empty').waitFor();
    await page.getByTestId('close-trash').click();
    await expect.poll(() => rows().count()).toBe(1);
    const id = await rows().first().getAttribute('data-id');

    await rows().first().getByTestId('trash-document').click();
    await page.getByTestId('owned-documents-empty').waitFor();
    await page.getByTestId('open-trash').click();
    await page.getByTestId('purge-document').click();
    await page.getByTestId('purge-confirm').click();
    await page.getByTestId('trash-empty').waitFor();
    await expect.poll(() => status.innerText()).toContain('deleted for good');

    // Gone for its owner too: its address now says so.
    await page.goto(`/d/${id}`);
    await page.getByTestId('not-found').waitFor();
    expect(await page.getByTestId('not-found').innerText()).toContain("Document not found or you don't have access");
    expect(user.errors).toEqual([]);
  });
});
