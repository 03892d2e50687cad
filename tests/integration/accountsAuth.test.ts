/**
 * Accounts over real HTTP: the first account administers, the sign-up policy, passwords and sessions as
 * stored, CSRF on state-changing requests, and the rate limits' defined answers.
 */
import { describe, expect, it } from 'vitest';
import type { AdminSettings, AuthState, DocumentList } from '../../shared/accounts/api.js';
import { SESSION_COOKIE } from '../../shared/accounts/api.js';
import { createAuthRateLimits, DEFAULT_RATE_LIMITS } from '../../server/accounts/rateLimits.js';
import { ApiUser, uniqueEmail } from '../helpers/accounts.js';
import { testScope } from '../helpers/scope.js';

const scope = testScope();

describe('accounts', () => {
  it('makes the first account the administrator and no other', async () => {
    const server = await scope.server();
    const visitor = new ApiUser(server.url);
    expect((await visitor.request<AuthState>('GET', '/api/auth/state')).body).toMatchObject({ user: null, setupNeeded: true });
    const first = await visitor.signUp(uniqueEmail('first'));
    const second = await new ApiUser(server.url).signUp(uniqueEmail('second'));
    expect([first.isAdmin, second.isAdmin]).toEqual([true, false]);
    expect((await new ApiUser(server.url).request<AuthState>('GET', '/api/auth/state')).body.setupNeeded).toBe(false);
  });

  it('by invitation only: refuses an uninvited email, admits an invited one and one a document was shared with', async () => {
    const server = await scope.server({ signupMode: null });
    const admin = new ApiUser(server.url);
    await admin.signUp(uniqueEmail('admin'));
    const stranger = uniqueEmail('stranger');
    const refused = await new ApiUser(server.url).request('POST', '/api/auth/signup', { email: stranger, name: 'S', password: 'correct horse battery' });
    expect(refused.status).toBe(403);
    expect(await server.accounts.users.byEmail(stranger)).toBeNull();

    const invited = uniqueEmail('invited');
    expect((await admin.request('POST', '/api/admin/invites', { email: invited })).status).toBe(204);
    await new ApiUser(server.url).signUp(invited);

    const shared = uniqueEmail('shared');
    const doc = await admin.createDocument('For a newcomer');
    await admin.share(doc.id, shared, 'viewer');
    const newcomer = new ApiUser(server.url);
    await newcomer.signUp(shared);
    const list = await newcomer.request<DocumentList>('GET', '/api/documents');
    expect(list.body.shared.map((d) => [d.id, d.role])).toEqual([[doc.id, 'viewer']]);

    // The administrator opens sign-up to everyone.
    expect((await admin.request<AdminSettings>('PUT', '/api/admin/settings', { signupMode: 'open' })).body.signupMode).toBe('open');
    await new ApiUser(server.url).signUp(uniqueEmail('anyone'));
    // Not an administrator: refused.
    expect((await newcomer.request('PUT', '/api/admin/settings', { signupMode: 'invite' })).status).toBe(403);
  });

  it('SIGNUP_MODE from the environment cannot be changed in the app', async () => {
    const server = await scope.server({ signupMode: 'invite' });
    const admin = new ApiUser(server.url);
    await admin.signUp(uniqueEmail('admin'));
    expect((await admin.request<AdminSettings>('GET', '/api/admin/settings')).body).toEqual({ signupMode: 'invite', fixedByEnvironment: true });
    expect((await admin.request('PUT', '/api/admin/settings', { signupMode: 'open' })).status).toBe(409);
  });

  it('stores an argon2id hash and only a hash of the session secret; the cookie is HttpOnly and SameSite=Lax', async () => {
    const server = await scope.server();
    const email = uniqueEmail('ada');
    const signUp = await fetch(`${server.url}/api/auth/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, name: 'Ada', password: 'correct horse battery' }) });
    const session = signUp.headers.getSetCookie().find((line) => line.startsWith(`${SESSION_COOKIE}=`)) ?? '';
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Lax/);
    const secret = session.slice(SESSION_COOKIE.length + 1).split(';')[0] ?? '';
    expect(secret.length).toBeGreaterThan(30);
    const row = await server.accounts.db.get('SELECT password_hash FROM tandem_users WHERE email = ?', [email]);
    expect(String(row?.password_hash)).toMatch(/^\$argon2id\$/);
    const sessions = await server.accounts.db.all('SELECT * FROM tandem_sessions');
    expect(JSON.stringify(sessions)).not.toContain(secret);
    expect(sessions).toHaveLength(1);
  });

  it('says "Wrong email or password." for either mistake, and signs out for real', async () => {
    const server = await scope.server();
    const ada = new ApiUser(server.url);
    const me = await ada.signUp(uniqueEmail('ada'));
    const wrong = await new ApiUser(server.url).signIn(me.email ?? '', 'not the password');
    const unknown = await new ApiUser(server.url).signIn(uniqueEmail('nobody'));
    expect([wrong.status, wrong.body, unknown.status, unknown.body]).toEqual([401, { error: 'Wrong email or password.' }, 401, { error: 'Wrong email or password.' }]);
    const cookie = ada.cookie(SESSION_COOKIE);
    expect((await ada.request('POST', '/api/auth/signout')).status).toBe(204);
    const replay = await fetch(`${server.url}/api/documents`, { headers: { cookie: `${SESSION_COOKIE}=${cookie}` } });
    expect(replay.status).toBe(401);
  });

  it('refuses a state-changing request without the CSRF header, and changes nothing', async () => {
    const server = await scope.server();
    const ada = new ApiUser(server.url);
    await ada.signUp(uniqueEmail('ada'));
    const doc = await ada.createDocument('Mine');
    const forged = await ada.request('PATCH', `/api/documents/${doc.id}`, { title: 'Forged' }, { csrf: false });
    expect(forged.status).toBe(403);
    const created = await ada.request('POST', '/api/documents', { title: 'Forged too' }, { csrf: false });
    expect(created.status).toBe(403);
    const list = await ada.request<DocumentList>('GET', '/api/documents');
    expect(list.body.owned.map((d) => d.title)).toEqual(['Mine']);
  });
});

describe('rate limits', () => {
  const small = (over: Partial<typeof DEFAULT_RATE_LIMITS>) => ({ accounts: { limits: createAuthRateLimits({ ...DEFAULT_RATE_LIMITS, ...over }) } });

  it('sign-ins per address: 429 with retry-after and a sentence', async () => {
    const server = await scope.server({}, small({ signInPerAddress: { points: 3, durationSeconds: 60 } }));
    const email = uniqueEmail('ada');
    await new ApiUser(server.url).signUp(email);
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await new ApiUser(server.url).signIn(email));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429]);
    const last = answers[3];
    expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((last?.body as unknown as { error: string }).error).toMatch(/^Too many attempts\. Try again in \d+ seconds\.$/);
  });

  it('failed sign-ins per account: the right password is refused too once the limit is reached', async () => {
    const server = await scope.server({}, small({ failuresPerAccount: { points: 3, durationSeconds: 60 } }));
    const email = uniqueEmail('ada');
    await new ApiUser(server.url).signUp(email);
    for (let i = 0; i < 3; i++) expect((await new ApiUser(server.url).signIn(email, 'guess number ' + i)).status).toBe(401);
    const right = await new ApiUser(server.url).signIn(email);
    expect(right.status).toBe(429);
    // Another account is not affected.
    const other = uniqueEmail('bob');
    await new ApiUser(server.url).signUp(other);
    expect((await new ApiUser(server.url).signIn(other)).status).toBe(200);
  });

  it('sign-ups and guest entries per address', async () => {
    const server = await scope.server({}, small({ signUpPerAddress: { points: 2, durationSeconds: 60 } }));
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await new ApiUser(server.url).request('POST', '/api/auth/signup', { email: uniqueEmail('u'), name: 'U', password: 'correct horse battery' })).status);
    expect(statuses).toEqual([200, 200, 429]);
    const guest = await new ApiUser(server.url).request('POST', '/api/auth/guest', { name: 'G', document: 'x', link: 'y' });
    expect(guest.status).toBe(429);
  });
});
