/**
 * Two people in one document: concurrent typing converges, and each sees the other's caret label.
 */
import path from 'node:path';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  browserTestsEnabled,
  editorText,
  waitForConnectionState,
  type UserPage,
  twoPeopleInOneDocument,
  saveScreenshot,
} from '../helpers/browser.js';
import { connectClient, waitSynced } from '../helpers/clients.js';
import { waitUntil } from '../helpers/wait.js';

const SCREENSHOT = path.resolve(import.meta.dirname, '../../docs/screenshot.png');

/** Clicks the end of paragraph `index` for `user`, and waits until `watcher` sees that user's caret there. */
async function placeCaret(user: UserPage, index: number, watcher: UserPage): Promise<void> {
  await user.page.locator('.ProseMirror p').nth(index).click();
  await user.page.keyboard.press('End');
  await watcher.page.locator('.ProseMirror p').nth(index).locator('.collaboration-carets__caret').waitFor({ timeout: 5_000 });
}

describe.skipIf(!browserTestsEnabled())('two people editing one document', () => {
  const env = twoPeopleInOneDocument('together');

  it('converges when both type at the same time in different paragraphs', async () => {
    const editorA = env.ada.page.locator('.ProseMirror');
    await editorA.click();
    await env.ada.page.keyboard.type('First paragraph.');
    await env.ada.page.keyboard.press('Enter');
    await env.ada.page.keyboard.type('Second paragraph.');
    await expect.poll(() => editorText(env.bob.page)).toContain('Second paragraph.');

    // Ada goes to the end of the first paragraph, Bob to the end of the second; then both type at once.
    // Each caret, as the other sees it, sits in its paragraph before typing starts (a click overtaken by a
    // remote change: tests/e2e/caretRace.test.ts).
    await placeCaret(env.bob, 1, env.ada);
    await placeCaret(env.ada, 0, env.bob);
    await Promise.all([
      env.ada.page.keyboard.type(' Ada was here, typing quickly.', { delay: 15 }),
      env.bob.page.keyboard.type(' Bob wrote this at the same time.', { delay: 15 }),
    ]);

    const expected = [
      'First paragraph. Ada was here, typing quickly.',
      'Second paragraph. Bob wrote this at the same time.',
    ].join('\n');
    await expect.poll(() => editorText(env.ada.page), { timeout: 15_000 }).toBe(expected);
    await expect.poll(() => editorText(env.bob.page), { timeout: 15_000 }).toBe(expected);

    // Both replicas report their edits durable on the env.server.
    await env.ada.page.locator('[data-testid="save-state"][data-pending="false"]').waitFor();
    await env.bob.page.locator('[data-testid="save-state"][data-pending="false"]').waitFor();
    expect(env.ada.errors).toEqual([]);
    expect(env.bob.errors).toEqual([]);
  });

  it("shows each person the other's caret with their name", async () => {
    const labelsOn = (user: UserPage) => user.page.locator('.collaboration-carets__label');
    await expect.poll(() => labelsOn(env.ada).allInnerTexts()).toEqual(['Bob Moog']);
    await expect.poll(() => labelsOn(env.bob).allInnerTexts()).toEqual(['Ada Lovelace']);
    // The caret bar carries the other person's colour (set inline by the extension).
    const color = await labelsOn(env.ada).first().evaluate((label) => getComputedStyle(label).backgroundColor);
    expect(color).toMatch(/^rgb/);

    // Keep a picture of two people editing for the README: Bob adds a section while Ada reads along.
    await env.bob.page.keyboard.press('Control+End');
    await env.bob.page.keyboard.press('Enter');
    await env.bob.page.keyboard.type('## Next steps\n- Ship the editor\nInvite the team');
    await expect.poll(() => editorText(env.ada.page)).toContain('Invite the team');
    await env.ada.page.locator('.ProseMirror p').nth(1).click();
    await env.ada.page.keyboard.press('End');
    await expect.poll(() => labelsOn(env.bob).count()).toBe(1);
    // Written only when missing or asked for, so a test run does not dirty the working tree.
    await saveScreenshot(env.bob.page, SCREENSHOT);
  });

  it('shrinks a quiet caret flag to a dot and brings it back on movement', async () => {
    const adaCaretOnBob = env.bob.page.locator('.collaboration-carets__caret');
    await expect.poll(() => adaCaretOnBob.getAttribute('class'), { timeout: 10_000 }).toContain('is-idle');
    await env.ada.page.keyboard.press('Home');
    await expect.poll(() => adaCaretOnBob.getAttribute('class')).not.toContain('is-idle');
  });

  it("shows each person's account name, not a name of their choosing", async () => {
    // Names come from the accounts (the server stamps them into awareness from the token).
    await env.ada.page.getByTestId('account-button').click();
    expect(await env.ada.page.getByTestId('account-name').innerText()).toBe('Ada Lovelace');
    await env.ada.page.keyboard.press('Escape');
    await env.ada.page.locator('.ProseMirror p').nth(0).click();
    await expect.poll(() => env.bob.page.locator('.collaboration-carets__label').allInnerTexts()).toEqual(['Ada Lovelace']);
    await waitForConnectionState(env.ada.page, 'connected');
    expect(env.ada.errors).toEqual([]);
  });

  it("syncs with a stock WebsocketProvider that uses a host application's token", async () => {
    // The contract for host applications and scripts: an unmodified provider at /collab works with the editor.
    const token = await new SignJWT({ name: 'Script', role: 'editor', doc: '*' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(`host-${crypto.randomUUID()}`)
      .setExpirationTime(Math.floor(Date.now() / 1000) + 3600)
      .sign(new TextEncoder().encode(env.server.authSecret));
    const stock = connectClient(env.server.url, env.docName, token);
    try {
      await waitSynced(stock);
      const fragment = stock.doc.getXmlFragment('default');
      const paragraph = new Y.XmlElement('paragraph');
      paragraph.insert(0, [new Y.XmlText('Written by a stock provider.')]);
      fragment.push([paragraph]);
      await expect.poll(() => editorText(env.ada.page)).toContain('Written by a stock provider.');

      await env.ada.page.locator('.ProseMirror p', { hasText: 'Written by a stock provider.' }).click();
      await env.ada.page.keyboard.press('End');
      await env.ada.page.keyboard.type(' And answered in the browser.');
      await waitUntil(() => fragment.toString().includes('And answered in the browser.'), [[stock.doc, 'update']], 'browser edit reaches the stock provider');
    } finally {
      stock.destroy();
    }
  });
});
