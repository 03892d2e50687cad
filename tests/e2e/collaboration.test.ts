/**
 * Two people in one document: concurrent typing converges, and each sees the other's caret label.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  browserTestsEnabled,
  editorText,
  launchBrowser,
  newUser,
  openDocument,
  startServer,
  uniqueDocName,
  waitForConnectionState,
  type TandemServer,
  type UserPage,
} from '../helpers/browser.js';

const SCREENSHOT = path.resolve(import.meta.dirname, '../../docs/screenshot.png');

describe.skipIf(!browserTestsEnabled())('two people editing one document', () => {
  let server: TandemServer;
  let browser: Browser;
  let ada: UserPage;
  let bob: UserPage;
  const docName = uniqueDocName('together');

  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
    ada = await newUser(browser, server.url, 'Ada Lovelace');
    bob = await newUser(browser, server.url, 'Bob Moog');
    await openDocument(ada.page, docName);
    await openDocument(bob.page, docName);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('converges when both type at the same time in different paragraphs', async () => {
    const editorA = ada.page.locator('.ProseMirror');
    await editorA.click();
    await ada.page.keyboard.type('First paragraph.');
    await ada.page.keyboard.press('Enter');
    await ada.page.keyboard.type('Second paragraph.');
    await expect.poll(() => editorText(bob.page)).toContain('Second paragraph.');

    // Ada goes to the end of the first paragraph, Bob to the end of the second; then both type at once.
    await ada.page.locator('.ProseMirror p').nth(0).click();
    await ada.page.keyboard.press('End');
    await bob.page.locator('.ProseMirror p').nth(1).click();
    await bob.page.keyboard.press('End');
    await Promise.all([
      ada.page.keyboard.type(' Ada was here, typing quickly.', { delay: 15 }),
      bob.page.keyboard.type(' Bob wrote this at the same time.', { delay: 15 }),
    ]);

    const expected = [
      'First paragraph. Ada was here, typing quickly.',
      'Second paragraph. Bob wrote this at the same time.',
    ].join('\n');
    await expect.poll(() => editorText(ada.page), { timeout: 15_000 }).toBe(expected);
    await expect.poll(() => editorText(bob.page), { timeout: 15_000 }).toBe(expected);

    // Both replicas report their edits durable on the server.
    await ada.page.locator('[data-testid="save-state"][data-pending="false"]').waitFor();
    await bob.page.locator('[data-testid="save-state"][data-pending="false"]').waitFor();
    expect(ada.errors).toEqual([]);
    expect(bob.errors).toEqual([]);
  });

  it("shows each person the other's caret with their name", async () => {
    const labelsOn = (user: UserPage) => user.page.locator('.collaboration-carets__label');
    await expect.poll(() => labelsOn(ada).allInnerTexts()).toEqual(['Bob Moog']);
    await expect.poll(() => labelsOn(bob).allInnerTexts()).toEqual(['Ada Lovelace']);
    // The caret bar carries the other person's colour (set inline by the extension).
    const color = await labelsOn(ada).first().evaluate((label) => getComputedStyle(label).backgroundColor);
    expect(color).toMatch(/^rgb/);

    // Keep a picture of two people editing for the README: Bob adds a section while Ada reads along.
    await bob.page.keyboard.press('Control+End');
    await bob.page.keyboard.press('Enter');
    await bob.page.keyboard.type('## Next steps\n- Ship the editor\nInvite the team');
    await expect.poll(() => editorText(ada.page)).toContain('Invite the team');
    await ada.page.locator('.ProseMirror p').nth(1).click();
    await ada.page.keyboard.press('End');
    await expect.poll(() => labelsOn(bob).count()).toBe(1);
    // Written only when missing or asked for, so a test run does not dirty the working tree.
    if (!fs.existsSync(SCREENSHOT) || process.env.UPDATE_SCREENSHOT === '1') {
      fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
      await bob.page.screenshot({ path: SCREENSHOT });
    }
  });

  it('shrinks a quiet caret flag to a dot and brings it back on movement', async () => {
    const adaCaretOnBob = bob.page.locator('.collaboration-carets__caret');
    await expect.poll(() => adaCaretOnBob.getAttribute('class'), { timeout: 10_000 }).toContain('is-idle');
    await ada.page.keyboard.press('Home');
    await expect.poll(() => adaCaretOnBob.getAttribute('class')).not.toContain('is-idle');
  });

  it('shows a new name to the other person after a rename in settings', async () => {
    await ada.page.getByTestId('settings-button').click();
    await ada.page.getByTestId('identity-name-input').fill('Countess Ada');
    await ada.page.getByTestId('identity-save').click();
    // The server stamps names from the token, so this only passes once a new token is in use.
    await ada.page.locator('.ProseMirror p').nth(0).click();
    await expect
      .poll(() => bob.page.locator('.collaboration-carets__label').allInnerTexts(), { timeout: 15_000 })
      .toEqual(['Countess Ada']);
    await waitForConnectionState(ada.page, 'connected');
    expect(ada.errors).toEqual([]);
  });
});
