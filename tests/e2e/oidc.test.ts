/**
 * Single sign-on in a real browser against a real OpenID provider (oidc-provider on 127.0.0.1): the sign-in
 * page offers the provider's button, Chromium goes through the provider and back, and lands signed in on
 * the page it started from. The provider logs its test account in without a form (tests/helpers/oidcProvider.ts).
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { TandemServer } from '../../server/app.js';
import { browserTestsEnabled, launchBrowser } from '../helpers/browser.js';
import { startServerWithOidc, type TestProvider } from '../helpers/oidcProvider.js';
import { REPO_ROOT, startTestServer } from '../helpers/server.js';

const LABEL = 'Sign in with Acme';

describe.skipIf(!browserTestsEnabled())('single sign-on in Chromium', () => {
  let server: TandemServer;
  let provider: TestProvider;
  let browser: Browser;

  beforeAll(async () => {
    ({ server, provider } = await startServerWithOidc({
      start: (options) => startTestServer({ staticDir: path.join(REPO_ROOT, 'dist/client'), signupMode: 'open' }, options),
      label: LABEL,
      accounts: [{ id: 'sub-ada', email: 'ada@acme.example', emailVerified: true, name: 'Ada Lovelace' }],
      allowedDomains: ['acme.example'],
      signupMode: 'open',
    }));
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await provider?.close();
    await server?.close();
  });

  it('signs in through the provider and lands signed in, with an account of the provider\'s name and email', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(server.url);
    const button = page.getByTestId('oidc-sign-in');
    await expect(button.textContent()).resolves.toBe(LABEL);
    await button.click();
    await page.getByRole('heading', { name: 'Documents', exact: true }).waitFor({ timeout: 15_000 });
    expect(new URL(page.url()).origin).toBe(new URL(server.url).origin);
    const state = await page.evaluate(async () => (await fetch('/api/auth/state')).json());
    expect(state.user).toMatchObject({ email: 'ada@acme.example', name: 'Ada Lovelace', isAdmin: true });
    await context.close();
  });
});
