/**
 * Offline: edits made without a network survive a reload (service worker + IndexedDB) and reach the
 * other person, once, when the network returns; the views loaded on demand (timeline, share dialog) still
 * open after an offline reload, because the service worker caches the build's whole asset list.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  api,
  browserTestsEnabled,
  createDocument,
  editorText,
  newBrowser,
  newUser,
  openDocument,
  TEST_PASSWORD,
  uniqueEmail,
  waitForConnectionState,
  twoPeopleInOneDocument,
  type UserPage,
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

    await expect.poll(() => page.getByTestId('presence-count').innerText()).toBe('2 here');
    await context.setOffline(true);
    await waitForConnectionState(page, 'offline');
    await page.getByTestId('offline-banner').waitFor();
    // Bob is still editing: offline, Ada cannot see him, and is not told she is alone.
    await expect.poll(() => page.getByTestId('presence-count').innerText()).toBe('Others not visible');

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

  it('opens the views loaded on demand (share dialog, timeline, dialogs, home) offline', async () => {
    const cleo = await newUser(env.browser, env.server.url, 'Cleo Commuter');
    const { page, context } = cleo;
    onTestFinished(() => context.close());
    await workerActive(page);
    await openDocument(page, await createDocument(cleo, 'Commute notes'));
    const assets = await buildAssets(cleo);
    // The lazy chunks are what this test is about: the list must name more than index.html does.
    expect(assets.length).toBeGreaterThan((await referencedAssets(cleo)).length);
    await waitForControl(page);

    // None of the chunks below was loaded before the network went away: only the worker's cache has them.
    await context.setOffline(true);
    await waitForConnectionState(page, 'offline');
    // Still on the page loaded online (after a reload the role is unknown and Share is not offered).
    await page.getByTestId('share-button').click();
    await page.getByTestId('share-dialog').waitFor();
    // The dialog itself opens and says, in words, that sharing needs the network.
    await expect.poll(() => page.getByTestId('share-error').textContent()).toContain("Can't reach the server");
    await page.getByTestId('share-done').click();

    const response = await page.reload();
    expect(response?.fromServiceWorker()).toBe(true);
    await waitForConnectionState(page, 'offline');
    await page.getByTestId('timeline-toggle').click();
    await page.getByTestId('timeline-panel').waitFor();
    expect(await page.getByTestId('timeline-panel-loading').count()).toBe(0);
    await page.getByTestId('timeline-toggle').click();
    await page.getByTestId('account-button').click();
    await page.getByTestId('change-password').click();
    await page.getByTestId('password-dialog').waitFor();
    await page.keyboard.press('Escape');
    await page.goto('/');
    await page.getByTestId('home').waitFor();

    const cached = new Set(await cachedPaths(page));
    expect(assets.filter((asset) => !cached.has(asset))).toEqual([]);
    expect(cleo.errors).toEqual([]);
  });

  it("keeps exactly the build's assets in the cache, dropping an earlier deploy's", async () => {
    const dana = await newBrowser(env.browser, env.server.url);
    onTestFinished(() => dana.context.close());
    const { page } = dana;
    await seedBeforeInstall(page);
    await signUp(dana, 'Dana Deploy');
    // Activation waits for install, so its pass over the cache is complete here.
    await workerActive(page);
    const assets = await buildAssets(dana);
    expect(await cachedPaths(page)).toEqual(['/', ...assets, '/favicon.svg'].sort());

    // Each online navigation stores a fresh shell and cleans up again.
    await openDocument(page, await createDocument(dana, 'Deploy notes'));
    await waitForControl(page);
    await seedCache(page, EARLIER_DEPLOY_CHUNK);
    await page.reload();
    await expect.poll(() => cachedPaths(page)).toEqual(['/', ...assets, '/favicon.svg'].sort());
    expect(dana.errors).toEqual([]);
  });

  it('without the asset list, caches what index.html references and drops nothing', async () => {
    const eve = await newBrowser(env.browser, env.server.url);
    onTestFinished(() => eve.context.close());
    const { page, context } = eve;
    let listRequests = 0;
    // As a build from before the list (or a network blip on that one request) would answer.
    await context.route('**/asset-manifest.json', (route) => {
      listRequests += 1;
      return route.fulfill({ status: 404, contentType: 'text/plain', body: 'not found' });
    });
    await seedBeforeInstall(page);
    await signUp(eve, 'Eve Elder');
    await workerActive(page);
    // The worker did ask (so this is the fallback at work, not a list it never needed).
    expect(listRequests).toBeGreaterThan(0);
    const cached = await cachedPaths(page);
    expect((await referencedAssets(eve)).filter((asset) => !cached.includes(asset))).toEqual([]);
    // Without the list the worker cannot tell this from a chunk of the current build, so it stays.
    expect(cached).toContain(EARLIER_DEPLOY_CHUNK);

    await openDocument(page, await createDocument(eve, 'Older build'));
    await waitForControl(page);
    await context.setOffline(true);
    const response = await page.reload();
    expect(response?.fromServiceWorker()).toBe(true);
    await waitForConnectionState(page, 'offline');
    expect(eve.errors).toEqual([]);
  });
});

/** A name no build emits (Vite's names carry a hash), standing for a chunk of an earlier deploy. */
const EARLIER_DEPLOY_CHUNK = '/assets/earlier-deploy-0000.js';

/** The build's asset list as the server serves it: JSON, revalidated on every fetch. */
async function buildAssets(user: UserPage): Promise<string[]> {
  const response = await user.context.request.get('/asset-manifest.json');
  expect(response.status()).toBe(200);
  expect(response.headers()['content-type']).toContain('application/json');
  expect(response.headers()['cache-control']).toBe('no-cache');
  const { assets } = (await response.json()) as { assets: string[] };
  return [...assets].sort();
}

/** The hashed assets index.html names itself (the first download), as the server sends it. */
async function referencedAssets(user: UserPage): Promise<string[]> {
  const html = await (await user.context.request.get('/')).text();
  return [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((match) => match[1] as string);
}

/**
 * Waits for the worker to be active, which it becomes only after its install (the precaching) is done.
 * Call it before opening a document: a page whose navigation is under way when `clients.claim()` runs
 * is left uncontrolled, and nothing claims it afterwards.
 */
async function workerActive(page: Page): Promise<void> {
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
}

async function waitForControl(page: Page): Promise<void> {
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 15_000 });
}

/** Every path in the worker's cache storage, sorted. */
async function cachedPaths(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const paths: string[] = [];
    for (const name of await caches.keys()) {
      for (const request of await (await caches.open(name)).keys()) paths.push(new URL(request.url).pathname);
    }
    return paths.sort();
  });
}

/** The worker's cache (CACHE in client/public/sw.js): activation deletes any other. */
const SHELL_CACHE = 'tandem-shell-v1';

async function seedCache(page: Page, path: string): Promise<void> {
  await page.evaluate(
    async ([name, asset]) => {
      await (await caches.open(name)).put(asset, new Response('/* earlier deploy */', { headers: { 'content-type': 'text/javascript' } }));
    },
    [SHELL_CACHE, path] as const,
  );
}

/**
 * Puts an earlier deploy's chunk in the cache before the worker is installed, from a page of the origin
 * that does not register it (/healthz), so the install's own pass is what keeps or drops it.
 */
async function seedBeforeInstall(page: Page): Promise<void> {
  await page.goto('/healthz');
  await seedCache(page, EARLIER_DEPLOY_CHUNK);
}

/** Signs `user` up through the API and opens the home page (newUser, for a browser set up beforehand). */
async function signUp(user: UserPage, name: string): Promise<void> {
  user.email = uniqueEmail(name);
  user.me = await api(user, 'POST', '/api/auth/signup', { name, email: user.email, password: TEST_PASSWORD });
  await user.page.goto('/');
  await user.page.getByTestId('home').waitFor();
}
