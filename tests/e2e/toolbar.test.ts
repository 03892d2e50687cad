/** The toolbar follows the selection, and Markdown-style input rules work. */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  browserTestsEnabled,
  createDocument,
  newUser,
  openDocument,
  type UserPage,
  browserEnvironment,
} from '../helpers/browser.js';

describe.skipIf(!browserTestsEnabled())('toolbar', () => {
  const env = browserEnvironment();
  let user: UserPage;

  beforeAll(async () => {
    user = await newUser(env.browser, env.server.url, 'Toolbar Tester');
    await openDocument(user.page, await createDocument(user, 'Toolbar'));
  });

  it('formats with buttons and input rules, and shows the active state', async () => {
    const { page } = user;
    const pressed = (id: string) => page.getByTestId(`toolbar-${id}`).getAttribute('aria-pressed');
    await page.locator('.ProseMirror').click();

    await page.keyboard.type('# Plan');
    await expect.poll(() => page.locator('.ProseMirror h1').innerText()).toBe('Plan');
    expect(await pressed('h1')).toBe('true');

    await page.keyboard.press('Enter');
    await page.getByTestId('toolbar-bold').click();
    await page.keyboard.type('strong words');
    await expect.poll(() => page.locator('.ProseMirror p strong').innerText()).toBe('strong words');
    expect(await pressed('bold')).toBe('true');
    expect(await pressed('h1')).toBe('false');

    // Select the last word and link it through the prompt.
    page.once('dialog', (dialog) => void dialog.accept('example.com'));
    await page.keyboard.press('Shift+Control+ArrowLeft');
    await page.getByTestId('toolbar-link').click();
    await expect.poll(() => page.locator('.ProseMirror a').getAttribute('href')).toBe('https://example.com');
    expect(await pressed('link')).toBe('true');
    await page.getByTestId('toolbar-link').click();
    await expect.poll(() => page.locator('.ProseMirror a').count()).toBe(0);

    await page.keyboard.press('End');
    await page.keyboard.press('Enter');
    await page.keyboard.type('- item');
    await expect.poll(() => pressed('bullet-list')).toBe('true');
    expect(await page.getByTestId('toolbar-undo').isEnabled()).toBe(true);
    expect(user.errors).toEqual([]);
  });
});
