/**
 * The server goes away and comes back: the page says so (reconnecting, then can't reach the
 * server) without losing a keystroke, and the edits made meanwhile reach the server afterwards.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  browserTestsEnabled,
  createDocument,
  editorText,
  launchBrowser,
  newUser,
  openDocument,
  shareWith,
  startServer,
  waitForConnectionState,
  type ServerProcess,
  type UserPage,
} from '../helpers/browser.js';

describe.skipIf(!browserTestsEnabled())('server restart', () => {
  let server: ServerProcess;
  let browser: Browser;
  let ada: UserPage;
  let docName = '';

  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
    ada = await newUser(browser, server.url, 'Ada Restart');
    docName = await createDocument(ada, 'Restart');
    await openDocument(ada.page, docName);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('reconnects with backoff and saves what was typed while the server was down', async () => {
    const { page } = ada;
    await page.locator('.ProseMirror').click();
    await page.keyboard.type('Before the outage.');
    await page.locator('[data-testid="save-state"][data-pending="false"]').waitFor();

    await server.halt();
    await page.locator('[data-testid="connection-state"][data-state="reconnecting"]').waitFor();
    await expect.poll(() => page.getByTestId('connection-state').innerText()).toMatch(/Reconnecting/);
    await page.keyboard.type(' During the outage.');
    await expect.poll(() => page.getByTestId('save-state').getAttribute('data-pending')).toBe('true');
    // After a few failed attempts the page stops saying "reconnecting" and explains.
    await waitForConnectionState(page, 'offline', 30_000);
    await page.getByTestId('offline-banner').waitFor();

    server = await startServer({ port: server.port, dataDir: server.dataDir, authSecret: server.authSecret });
    await waitForConnectionState(page, 'connected', 30_000);
    await page.locator('[data-testid="save-state"][data-pending="false"]').waitFor({ timeout: 15_000 });

    // A second person loading now gets everything from the server.
    const bob = await newUser(browser, server.url, 'Bob Later');
    // Ada's session and her document survived the restart: she can still share it.
    await shareWith(ada, docName, bob.email, 'editor');
    await openDocument(bob.page, docName);
    await expect.poll(() => editorText(bob.page)).toBe('Before the outage. During the outage.');
    expect(ada.errors).toEqual([]);
  });
});
