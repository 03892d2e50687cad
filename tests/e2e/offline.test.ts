/**
 * Offline: edits made without a network survive a reload (service worker + IndexedDB) and reach the
 * other person, once, when the network returns.
 */
import { describe, expect, it } from 'vitest';
import {
  browserTestsEnabled,
  editorText,
  waitForConnectionState,
  twoPeopleInOneDocument,
} from '../helpers/browser.js';

describe.skipIf(!browserTestsEnabled())('working offline', () => {
  const env = twoPeopleInOneDocument('offline', ['Ada Offline', 'Bob Online']);

  it('keeps edits across an offline reload and syncs them once back online', async () => {
    const { page, context } = env.ada;
    await page.locator('.ProseMirror').click();
    await page.keyboard.type('Online line.');
    await expect.poll(() => editorText(env.bob.page)).toBe('Online line.');

    // The service worker must control the page before the network goes away, or nothing can reload.
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 15_000 });

    await context.setOffline(true);
    await waitForConnectionState(page, 'offline');
    await page.getByTestId('offline-banner').waitFor();

    await page.keyboard.press('End');
    await page.keyboard.press('Enter');
    await page.keyboard.type('Written on the train.');
    const save = page.getByTestId('save-state');
    await expect.poll(() => save.getAttribute('data-pending')).toBe('true');
    await expect.poll(() => save.innerText()).toBe('Offline — changes saved on this device');
    // Bob must not have it: the socket really is down.
    expect(await editorText(env.bob.page)).toBe('Online line.');

    // The service worker's own network is down too, so the reload below really comes from its cache.
    const [worker] = context.serviceWorkers();
    expect(worker).toBeDefined();
    const probe = await worker!.evaluate(() => fetch('/healthz').then((r) => `status ${r.status}`, () => 'failed'));
    expect(probe).toBe('failed');

    const response = await page.reload();
    expect(response?.fromServiceWorker()).toBe(true);
    await waitForConnectionState(page, 'offline');
    await expect.poll(() => editorText(page)).toBe('Online line.\nWritten on the train.');

    await context.setOffline(false);
    await waitForConnectionState(page, 'connected');
    await expect.poll(() => editorText(env.bob.page), { timeout: 15_000 }).toBe('Online line.\nWritten on the train.');
    await page.locator('[data-testid="save-state"][data-pending="false"]').waitFor({ timeout: 15_000 });
    // Nothing duplicated on either side (IndexedDB restore + env.server state merge as a CRDT, not a paste).
    expect(await editorText(page)).toBe('Online line.\nWritten on the train.');
    expect(env.ada.errors).toEqual([]);
    expect(env.bob.errors).toEqual([]);
  });
});
