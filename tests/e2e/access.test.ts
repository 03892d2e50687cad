/**
 * The client's reaction to each refusal is a function of the close code: 4401 → fetch a new token
 * and reconnect; 4403 → stop and say so; a viewer token → read-only with a polite explanation.
 * Tokens are minted here the way a host application's backend would, with the server's secret, and stored
 * where an embedding host puts them (localStorage `tandem.session`): the app uses such a token instead of
 * asking for one, and falls back to the signed-in account once the server refuses it.
 */
import { SignJWT } from 'jose';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { Role, SessionResponse } from '../../shared/auth.js';
import {
  browserTestsEnabled,
  createDocument,
  editorText,
  newUser,
  uniqueDocName,
  waitForConnectionState,
  type UserPage,
  browserEnvironment,
} from '../helpers/browser.js';

describe.skipIf(!browserTestsEnabled())('access and close codes', () => {
  const env = browserEnvironment();
  const users: UserPage[] = [];

  /** A fresh person whose stored session token is `token` (claims chosen by the test). */
  async function userWithToken(name: string, claims: { role: Role; doc: string; secret?: string }): Promise<UserPage> {
    const user = await newUser(env.browser, env.server.url, name);
    users.push(user);
    const identity = { color: user.me?.color ?? '#3e63dd' };
    const expiresAt = Math.floor(Date.now() / 1000) + 3600;
    const token = await new SignJWT({ name, color: identity.color, role: claims.role, doc: claims.doc })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(`host-${name.toLowerCase()}`)
      .setExpirationTime(expiresAt)
      .sign(new TextEncoder().encode(claims.secret ?? env.server.authSecret));
    const session: SessionResponse = { token, user: { id: `host-${name}`, name, color: identity.color }, expiresAt };
    await user.page.evaluate((value) => localStorage.setItem('tandem.session', JSON.stringify(value)), session);
    return user;
  }

  const storedToken = (page: Page) =>
    page.evaluate(() => (JSON.parse(localStorage.getItem('tandem.session') ?? 'null') as SessionResponse | null)?.token);

  it('replaces a token the env.server refuses (4401) and connects', async () => {
    const user = await userWithToken('Rejected', { role: 'editor', doc: '*', secret: 'not-the-env.server-secret-at-all-000' });
    const before = await storedToken(user.page);
    // A document of the signed-in person's own: what the app falls back to once the host token is refused.
    await user.page.goto(`/d/${await createDocument(user, 'Reauth')}`);
    await waitForConnectionState(user.page, 'connected');
    expect(await storedToken(user.page)).not.toBe(before);
    expect(user.errors).toEqual([]);
  });

  it('stops and explains when the token is for another document (4403)', async () => {
    const user = await userWithToken('Outsider', { role: 'editor', doc: 'some-other-doc' });
    await user.page.goto(`/d/${uniqueDocName('private')}`);
    await waitForConnectionState(user.page, 'error');
    await expect.poll(() => user.page.getByTestId('error-banner').innerText()).toContain("You don't have access");
    await expect.poll(() => user.page.locator('.ProseMirror').getAttribute('contenteditable')).toBe('false');
    expect(user.errors).toEqual([]);
  });

  it('turns read-only with an explanation for a viewer', async () => {
    const user = await userWithToken('Viewer', { role: 'viewer', doc: '*' });
    await user.page.goto(`/d/${uniqueDocName('view')}`);
    await waitForConnectionState(user.page, 'connected');
    // Read-only before the first keystroke, so nothing is typed that the env.server would refuse.
    await expect.poll(() => user.page.locator('.ProseMirror').getAttribute('contenteditable')).toBe('false');
    await expect.poll(() => user.page.locator('.banner').allInnerTexts()).toContainEqual(expect.stringContaining('You can view this document'));
    await user.page.locator('.ProseMirror').click();
    await user.page.keyboard.type('x');
    expect(await editorText(user.page)).toBe('');
    expect(await user.page.getByTestId('save-state').getAttribute('data-pending')).toBe('false');
    expect(user.errors).toEqual([]);
  });
});
