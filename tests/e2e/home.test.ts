/** Home page, first visit and sharing. */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  browserTestsEnabled,
  newUser,
  waitForConnectionState,
  type UserPage,
  browserEnvironment,
} from '../helpers/browser.js';

describe.skipIf(!browserTestsEnabled())('home page and sharing', () => {
  const env = browserEnvironment();
  let user: UserPage;

  beforeAll(async () => {
    user = await newUser(env.browser, env.server.url, 'Grace Hopper', { permissions: ['clipboard-read', 'clipboard-write'] });
  });

  it('refuses an invalid document name with a clear message', async () => {
    const { page } = user;
    await page.getByTestId('doc-name-input').fill('../etc/passwd');
    await page.getByTestId('open-document').click();
    await expect.poll(() => page.getByTestId('doc-name-error').innerText()).toContain('letters, digits');
    expect(new URL(page.url()).pathname).toBe('/');
  });

  it('creates a document in one click, lists it as recent, and copies its link', async () => {
    const { page } = user;
    await page.getByTestId('new-document').click();
    await page.waitForURL(/\/d\/[a-z]+-[a-z]+-\d{4}$/);
    const docPath = new URL(page.url()).pathname;
    await waitForConnectionState(page, 'connected');

    await page.getByTestId('share-button').click();
    await expect.poll(() => page.getByTestId('share-button').innerText()).toBe('Link copied');
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(new URL(copied).pathname).toBe(docPath);

    await page.goBack();
    await page.getByTestId('recent-documents').waitFor();
    const names = await page.locator('.recent__link').allInnerTexts();
    expect(names[0]).toBe(decodeURIComponent(docPath.slice('/d/'.length)));
    expect(user.errors).toEqual([]);
  });
});
