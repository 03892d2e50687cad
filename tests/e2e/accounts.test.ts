/**
 * Accounts, owned documents and sharing in Chromium, on a server of its own (the first account on a fresh
 * install is the administrator, so this file cannot share one):
 *   the first-run page creates the administrator; an invitation lets a second person sign up; a document is
 *   created and renamed (list and tab title follow); a view link lets a browser without an account join by
 *   name, read-only, with presence both ways; switching the link to edit makes it editable live; resetting
 *   the link shows it "You no longer have access"; signing in keeps the address asked for, and "Sign out
 *   everywhere" sends every open document back to sign-in.
 */
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DocumentList, Me } from '../../shared/accounts/api.js';
import {
  api,
  browserTestsEnabled,
  createDocument,
  editorText,
  launchBrowser,
  newBrowser,
  saveScreenshot,
  shareWith,
  startServer,
  TEST_PASSWORD,
  uniqueEmail,
  waitForConnectionState,
  type ServerProcess,
  type UserPage,
} from '../helpers/browser.js';

const docs = (file: string): string => path.resolve(import.meta.dirname, '../../docs', file);

/** The document's lines, without the empty paragraph the editor may keep at the end. */
const textOf = async (page: Page): Promise<string> => (await editorText(page)).trimEnd();
const editable = (page: Page) => page.locator('.ProseMirror').getAttribute('contenteditable');
const avatarOf = (page: Page, name: string) => page.locator(`[data-testid="presence-avatar"][data-name="${name}"]`);
const rowTitled = (page: Page, title: string) => page.getByTestId('document-row').filter({ has: page.getByTestId('document-link').getByText(title, { exact: true }) });

describe.skipIf(!browserTestsEnabled())('accounts, documents and sharing', () => {
  let server: ServerProcess;
  let browser: Browser;
  const users: UserPage[] = [];
  let admin: UserPage;
  let grace: UserPage;
  let guest: UserPage;
  let docId = '';
  const adminEmail = uniqueEmail('Ada Admin');

  beforeAll(async () => {
    // SIGNUP_MODE unset: the administrator decides (invitation only until they open it).
    server = await startServer({ signupMode: null });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    for (const user of users) await user.context.close();
    await browser?.close();
    await server?.stop();
  });

  async function person(options: Parameters<typeof newBrowser>[2] = {}): Promise<UserPage> {
    const user = await newBrowser(browser, server.url, options);
    users.push(user);
    return user;
  }

  it('creates the administrator account on the first-run page', async () => {
    admin = await person({ permissions: ['clipboard-read', 'clipboard-write'] });
    const { page } = admin;
    await page.goto('/');
    await page.getByTestId('auth-page').waitFor();
    expect(await page.locator('h1').innerText()).toBe('Create the administrator account');
    expect(await page.getByTestId('auth-page').innerText()).toContain('administers');
    await saveScreenshot(page, docs('accounts-setup.png'));

    await page.getByTestId('auth-name').fill('Ada Admin');
    await page.getByTestId('auth-email').fill(adminEmail);
    // Too short first: refused here, before anything is sent.
    await page.getByTestId('auth-password').fill('short');
    await page.getByTestId('auth-submit').click();
    await expect.poll(() => page.getByTestId('auth-error').innerText()).toContain('at least 10 characters');
    await page.getByTestId('auth-password').fill(TEST_PASSWORD);
    await page.getByTestId('auth-submit').click();
    await page.getByTestId('home').waitFor();

    admin.me = await api<{ user: Me }>(admin, 'GET', '/api/auth/state').then((state) => state.user);
    admin.email = adminEmail;
    expect(admin.me?.isAdmin).toBe(true);
    await page.getByTestId('account-button').click();
    await page.getByTestId('open-admin').waitFor();
    expect(admin.errors).toEqual([]);
  });

  it('lets the administrator invite someone, who can then sign up', async () => {
    const { page } = admin;
    await page.getByTestId('open-admin').click();
    const dialog = page.getByTestId('admin-dialog');
    await dialog.waitFor();
    await expect.poll(() => dialog.getByTestId('signup-invite').isChecked()).toBe(true);

    grace = await person();
    grace.email = uniqueEmail('Grace Hopper');
    // Not invited yet: refused.
    await expect(api(grace, 'POST', '/api/auth/signup', { name: 'Grace Hopper', email: grace.email, password: TEST_PASSWORD })).rejects.toThrow(/403/);

    await dialog.getByTestId('invite-email').fill(grace.email);
    await dialog.getByTestId('invite-button').click();
    await expect.poll(() => dialog.innerText()).toContain(`${grace.email} can now create an account`);
    grace.me = await api<Me>(grace, 'POST', '/api/auth/signup', { name: 'Grace Hopper', email: grace.email, password: TEST_PASSWORD });
    expect(grace.me.isAdmin).toBe(false);

    // Listed with the administrator; reload the dialog to see her.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await page.getByTestId('account-button').click();
    await page.getByTestId('open-admin').click();
    await page.locator(`[data-testid="admin-user"][data-email="${grace.email}"]`).waitFor();
    await page.keyboard.press('Escape');
    expect(admin.errors).toEqual([]);
  });

  it('creates a document, renames it, and shows the title in the list and the tab', async () => {
    const { page } = admin;
    // Something shared with the administrator, so "Shared with me" has a row.
    const shared = await createDocument(grace, 'Design review');
    await shareWith(grace, shared, adminEmail, 'commenter');

    await page.getByTestId('new-document').click();
    await page.waitForURL(/\/d\/[A-Za-z0-9_-]+$/);
    docId = decodeURIComponent(new URL(page.url()).pathname.slice('/d/'.length));
    await waitForConnectionState(page, 'connected');
    await expect.poll(() => page.title()).toBe('Untitled — Tandem');

    const title = page.getByTestId('doc-title-input');
    await title.click();
    await title.fill('Quarterly plan');
    await title.press('Enter');
    await expect.poll(() => page.title()).toBe('Quarterly plan — Tandem');
    // Esc cancels an edit.
    await title.click();
    await title.fill('Not this');
    await title.press('Escape');
    await expect.poll(() => title.inputValue()).toBe('Quarterly plan');

    await page.locator('.ProseMirror').click();
    await page.keyboard.type('# Goals\nShip accounts and sharing.');
    await page.locator('[data-testid="save-state"][data-pending="false"]').waitFor();

    await createDocument(admin, 'Launch checklist');
    await page.getByRole('link', { name: 'Tandem' }).click();
    const owned = page.getByTestId('owned-documents');
    await rowTitled(page, 'Quarterly plan').waitFor();
    const row = rowTitled(page, 'Quarterly plan');
    expect(await row.locator('.doc-row__owner').innerText()).toBe('You');
    expect(await owned.getByTestId('document-link').allInnerTexts()).toContain('Launch checklist');
    const sharedRow = page.getByTestId('shared-documents').getByTestId('document-row');
    await expect.poll(() => sharedRow.innerText()).toMatch(/Design review[\s\S]*Commenter[\s\S]*Grace Hopper/);
    // "Last edited by" is recorded a few seconds after the edit (one directory write per burst): wait for it.
    await expect
      .poll(async () => (await api<DocumentList>(admin, 'GET', '/api/documents?q=')).owned.find((doc) => doc.id === docId)?.lastEditedBy?.name, { timeout: 15_000 })
      .toBe('Ada Admin');
    await page.reload();
    await expect.poll(() => row.getByTestId('document-edited').innerText()).toBe('Edited just now by you');
    await saveScreenshot(page, docs('accounts-home.png'));

    // Search by title, with a pause for typing.
    await page.getByTestId('document-search').fill('quart');
    await expect.poll(() => owned.getByTestId('document-link').allInnerTexts()).toEqual(['Quarterly plan']);
    await page.getByTestId('document-search').fill('no such title');
    await page.getByTestId('owned-documents-empty').waitFor();
    await page.getByTestId('document-search').fill('');
    await rowTitled(page, 'Quarterly plan').waitFor();
    expect(admin.errors).toEqual([]);
  });

  it('shares a view link: someone without an account joins by name, read-only, and both see each other', async () => {
    const { page } = admin;
    await rowTitled(page, 'Quarterly plan').getByTestId('document-link').click();
    await waitForConnectionState(page, 'connected');

    await page.getByTestId('share-button').click();
    const dialog = page.getByTestId('share-dialog');
    await dialog.waitFor();
    await dialog.getByTestId('share-email').fill(grace.email);
    await dialog.getByTestId('share-role').selectOption('commenter');
    await dialog.getByTestId('share-add').click();
    await dialog.locator(`[data-testid="share-member"][data-email="${grace.email}"]`).waitFor();
    // A bad address is refused in words, in the dialog.
    await dialog.getByTestId('share-email').fill('not an email');
    await dialog.getByTestId('share-add').click();
    await expect.poll(() => dialog.getByRole('alert').innerText()).toContain('valid email');
    await dialog.getByTestId('share-email').fill('');

    await dialog.getByTestId('link-access').selectOption('link');
    await expect.poll(() => dialog.getByTestId('general-access').getAttribute('data-link-role')).toBe('viewer');
    await dialog.getByTestId('copy-link').click();
    await expect.poll(() => dialog.getByTestId('copy-link').innerText()).toBe('Link copied');
    const link = await page.evaluate(() => navigator.clipboard.readText());
    expect(link).toMatch(new RegExp(`/d/${docId}\\?link=[A-Za-z0-9_-]+$`));
    await saveScreenshot(page, docs('accounts-share.png'));
    await dialog.getByTestId('share-done').click();

    guest = await person();
    await guest.page.goto(new URL(link).pathname + new URL(link).search);
    await guest.page.getByTestId('guest-join').waitFor();
    await guest.page.getByTestId('guest-name').fill('Visiting Vera');
    await guest.page.getByTestId('guest-join-button').click();
    await waitForConnectionState(guest.page, 'connected');
    // The secret is out of the address bar once the server has it.
    expect(new URL(guest.page.url()).search).toBe('');
    await expect.poll(() => textOf(guest.page)).toBe('Goals\nShip accounts and sharing.');
    await expect.poll(() => editable(guest.page)).toBe('false');
    await expect.poll(() => guest.page.getByTestId('access-banner').innerText()).toBe('You can view this document.');
    await guest.page.locator('.ProseMirror').click();
    await guest.page.keyboard.type('x');
    expect(await textOf(guest.page)).toBe('Goals\nShip accounts and sharing.');

    // Presence both ways.
    await avatarOf(page, 'Visiting Vera').waitFor();
    await avatarOf(guest.page, 'Ada Admin').waitFor();
    await saveScreenshot(guest.page, docs('accounts-read-only.png'));
    expect(guest.errors).toEqual([]);
  });

  it('makes the guest an editor live when the owner switches the link to edit', async () => {
    const { page } = admin;
    await page.getByTestId('share-button').click();
    const dialog = page.getByTestId('share-dialog');
    await expect.poll(() => dialog.getByTestId('general-access').getAttribute('data-link-role')).toBe('viewer');
    const answered = page.waitForResponse((response) => response.url().endsWith(`/api/documents/${docId}/link`) && response.request().method() === 'PUT');
    await dialog.getByTestId('link-role').selectOption('editor');
    expect((await answered).status()).toBe(200);
    // The server tells open connections before it answers the request: well within a second, no reload.
    await guest.page.locator('.ProseMirror[contenteditable="true"]').waitFor({ timeout: 1_000 });
    await guest.page.getByTestId('access-banner').waitFor({ state: 'detached' });

    await guest.page.locator('.ProseMirror p', { hasText: 'Ship accounts and sharing.' }).click();
    await guest.page.keyboard.press('End');
    await guest.page.keyboard.type(' Vera agrees.');
    await expect.poll(() => textOf(page)).toBe('Goals\nShip accounts and sharing. Vera agrees.');
    await guest.page.locator('[data-testid="save-state"][data-pending="false"]').waitFor();
    expect(guest.errors).toEqual([]);
  });

  it('shows the guest "You no longer have access" when the owner resets the link', async () => {
    const { page } = admin;
    const dialog = page.getByTestId('share-dialog');
    await dialog.getByTestId('reset-link').click();
    await expect.poll(() => dialog.getByTestId('reset-confirm').innerText()).toContain('Everyone using the old link loses access');
    const answered = page.waitForResponse((response) => response.url().endsWith(`/api/documents/${docId}/link/reset`));
    await dialog.getByTestId('reset-confirm-button').click();
    expect((await answered).status()).toBe(200);

    const revoked = guest.page.getByTestId('revoked');
    await revoked.waitFor({ timeout: 2_000 });
    expect(await revoked.innerText()).toContain('You no longer have access to this document');
    expect(await guest.page.locator('.ProseMirror').count()).toBe(0);
    await saveScreenshot(guest.page, docs('accounts-revoked.png'));
    // The owner keeps writing as before.
    await dialog.getByTestId('share-done').click();
    await waitForConnectionState(page, 'connected');
    expect(guest.errors).toEqual([]);
    expect(admin.errors).toEqual([]);
  });

  it('follows role changes live, and offers back what a lowered role kept from the server', async () => {
    const { page } = grace;
    await grace.context.grantPermissions(['clipboard-read', 'clipboard-write']);
    const banner = page.getByTestId('access-banner');
    // Grace was added as a commenter in the sharing dialog above.
    await page.goto(`/d/${docId}`);
    await waitForConnectionState(page, 'connected');
    await expect.poll(() => banner.innerText()).toBe('You can comment on this document (comments are coming).');
    expect(await editable(page)).toBe('false');

    await shareWith(admin, docId, grace.email, 'editor');
    await page.locator('.ProseMirror[contenteditable="true"]').waitFor({ timeout: 1_000 });
    await shareWith(admin, docId, grace.email, 'viewer');
    await page.locator('.ProseMirror[contenteditable="false"]').waitFor({ timeout: 1_000 });
    await expect.poll(() => banner.innerText()).toBe('Your access changed: you can now only view.');

    // Edits made offline meet a role lowered meanwhile: the server drops them; the page says so and offers them back.
    await shareWith(admin, docId, grace.email, 'editor');
    await page.locator('.ProseMirror[contenteditable="true"]').waitFor({ timeout: 1_000 });
    await grace.context.setOffline(true);
    await waitForConnectionState(page, 'offline');
    await page.locator('.ProseMirror p', { hasText: 'Vera agrees.' }).click();
    await page.keyboard.press('End');
    await page.keyboard.type(' Grace, offline.');
    await shareWith(admin, docId, grace.email, 'viewer');
    await grace.context.setOffline(false);

    const dropped = page.getByTestId('dropped-change-banner');
    await dropped.waitFor({ timeout: 10_000 });
    expect(await dropped.innerText()).toContain('did not reach the server');
    await expect.poll(() => editable(page)).toBe('false');
    await expect.poll(() => page.getByTestId('save-state').innerText()).toBe('Last changes not saved');
    expect(await textOf(admin.page)).toBe('Goals\nShip accounts and sharing. Vera agrees.');
    await dropped.getByTestId('copy-my-text').click();
    await expect.poll(async () => (await page.evaluate(() => navigator.clipboard.readText())).trimEnd()).toBe('Goals\nShip accounts and sharing. Vera agrees. Grace, offline.');

    const reloaded = page.waitForEvent('load');
    await dropped.getByTestId('discard-unsynced').click();
    await dropped.getByTestId('discard-confirm-button').click();
    await reloaded;
    await waitForConnectionState(page, 'connected');
    await expect.poll(() => textOf(page)).toBe('Goals\nShip accounts and sharing. Vera agrees.');
    await expect.poll(() => banner.innerText()).toBe('You can view this document.');
    expect(await page.getByTestId('dropped-change-banner').count()).toBe(0);

    // A deletion alone adds no clock, so no state vector shows it; the server's delete set does.
    await shareWith(admin, docId, grace.email, 'editor');
    await page.locator('.ProseMirror[contenteditable="true"]').waitFor({ timeout: 1_000 });
    await grace.context.setOffline(true);
    await waitForConnectionState(page, 'offline');
    await page.locator('.ProseMirror p', { hasText: 'Vera agrees.' }).click();
    await page.keyboard.press('End');
    for (let i = 0; i < ' agrees.'.length; i++) await page.keyboard.press('Backspace');
    await shareWith(admin, docId, grace.email, 'viewer');
    await grace.context.setOffline(false);
    await dropped.waitFor({ timeout: 10_000 });
    expect(await dropped.innerText()).toContain('did not reach the server');
    expect(await textOf(admin.page)).toBe('Goals\nShip accounts and sharing. Vera agrees.');
    const reloadedAgain = page.waitForEvent('load');
    await dropped.getByTestId('discard-unsynced').click();
    await dropped.getByTestId('discard-confirm-button').click();
    await reloadedAgain;
    await waitForConnectionState(page, 'connected');
    await expect.poll(() => textOf(page)).toBe('Goals\nShip accounts and sharing. Vera agrees.');
    expect(grace.errors).toEqual([]);
  });

  it('transfers ownership to someone with an account; the old owner stays as an editor', async () => {
    const { page } = admin;
    await page.getByTestId('share-button').click();
    const dialog = page.getByTestId('share-dialog');
    const graceRow = dialog.locator(`[data-testid="share-member"][data-email="${grace.email}"]`);
    await graceRow.getByTestId('make-owner').click();
    await expect.poll(() => dialog.getByTestId('transfer-confirm').innerText()).toContain('Make Grace Hopper the owner');
    await dialog.getByTestId('transfer-confirm-button').click();
    await expect.poll(() => dialog.getByTestId('share-owner').innerText()).toContain('Grace Hopper');
    // Ada is an editor now, live: the dialog turns read-only for her, the document stays editable.
    await dialog.getByTestId('share-not-owner').waitFor();
    expect(await dialog.getByTestId('share-email').count()).toBe(0);
    await expect.poll(() => dialog.locator(`[data-testid="share-member"][data-email="${adminEmail}"]`).innerText()).toContain('Editor');
    await dialog.getByTestId('share-done').click();
    expect(await editable(page)).toBe('true');
    // Grace, who could only view, owns it now and can write.
    await grace.page.locator('.ProseMirror[contenteditable="true"]').waitFor({ timeout: 1_000 });
    const graceList = await api<DocumentList>(grace, 'GET', '/api/documents?q=');
    expect(graceList.owned.map((doc) => doc.id)).toContain(docId);
    expect(admin.errors).toEqual([]);
    expect(grace.errors).toEqual([]);
  });

  it('keeps the address asked for through sign-in, and sends every open document back to sign-in on "Sign out everywhere"', async () => {
    const laptop = await person();
    await laptop.page.goto(`/d/${docId}`);
    await laptop.page.getByTestId('auth-page').waitFor();
    expect(await laptop.page.locator('h1').innerText()).toBe('Sign in');
    expect(await laptop.page.title()).toBe('Sign in — Tandem');
    await saveScreenshot(laptop.page, docs('accounts-signin.png'));
    await laptop.page.getByTestId('auth-email').fill(adminEmail);
    await laptop.page.getByTestId('auth-password').fill('wrong password, surely');
    await laptop.page.getByTestId('auth-submit').click();
    await expect.poll(() => laptop.page.getByTestId('auth-error').innerText()).toBe('Wrong email or password.');
    await laptop.page.getByTestId('auth-password').fill(TEST_PASSWORD);
    await laptop.page.getByTestId('auth-submit').click();
    await waitForConnectionState(laptop.page, 'connected');
    expect(new URL(laptop.page.url()).pathname).toBe(`/d/${docId}`);
    await expect.poll(() => editorText(laptop.page)).toContain('Vera agrees.');

    await admin.page.getByTestId('account-button').click();
    await admin.page.getByTestId('sign-out-everywhere').click();
    await admin.page.getByTestId('auth-page').waitFor();
    // The other device's open document is closed by the server and goes back to sign-in, at the same address.
    await laptop.page.getByTestId('auth-page').waitFor({ timeout: 5_000 });
    expect(new URL(laptop.page.url()).pathname).toBe(`/d/${docId}`);
    expect(laptop.errors).toEqual([]);
    expect(admin.errors).toEqual([]);
  });
});
