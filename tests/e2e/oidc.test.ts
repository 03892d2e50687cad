/**
 * Single sign-on in a real browser against a real OpenID provider (oidc-provider on 127.0.0.1): the sign-in
 * page offers the provider's button, Chromium goes through the provider and back, and lands signed in on
 * the page it started from. The provider logs its test account in without a form (tests/helpers/oidcProvider.ts).
 *
 * The redirect URI is known only once the Tandem server listens, so the server starts with a forwarding
 * sign-in that the real one (createOidcSignIn) replaces as soon as the provider is up, as in
 * tests/integration/oidc.test.ts.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { createOidcSignIn, type OidcSignIn } from '../../server/accounts/oidc.js';
import { OIDC_CALLBACK_PATH } from '../../server/accounts/oidcSettings.js';
import type { TandemServer } from '../../server/app.js';
import { createLogger } from '../../server/log.js';
import { browserTestsEnabled, launchBrowser } from '../helpers/browser.js';
import { startOidcProvider, type TestProvider } from '../helpers/oidcProvider.js';
import { REPO_ROOT, startTestServer } from '../helpers/server.js';

const LABEL = 'Sign in with Acme';

describe.skipIf(!browserTestsEnabled())('single sign-on in Chromium', () => {
  let server: TandemServer;
  let provider: TestProvider;
  let browser: Browser;

  beforeAll(async () => {
    let real: OidcSignIn | null = null;
    const captured: { services?: Pick<Parameters<typeof createOidcSignIn>[1], 'users' | 'sessions' | 'onAccountCreated'> } = {};
    server = await startTestServer(
      { staticDir: path.join(REPO_ROOT, 'dist/client'), signupMode: 'open' },
      {
        accounts: {
          oidc: (given) => {
            captured.services = given;
            return {
              label: LABEL,
              handle: (step, request, response) => {
                if (!real) throw new Error('OIDC is not set up yet');
                return real.handle(step, request, response);
              },
            };
          },
        },
      },
    );
    const redirectUri = new URL(OIDC_CALLBACK_PATH, server.url);
    provider = await startOidcProvider({ redirectUri: redirectUri.href, accounts: [{ id: 'sub-ada', email: 'ada@acme.example', emailVerified: true, name: 'Ada Lovelace' }] });
    const { services } = captured;
    if (!services) throw new Error('the server did not ask for its OIDC sign-in');
    real = createOidcSignIn({ issuer: new URL(provider.issuer), clientId: provider.clientId, clientSecret: provider.clientSecret, allowedDomains: ['acme.example'], label: LABEL, redirectUri }, { ...services, logger: createLogger('silent'), metrics: server.metrics, signupModeFromEnv: 'open' });
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
