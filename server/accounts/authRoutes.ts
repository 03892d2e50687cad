/** `/api/auth/…`: sign-up, sign-in, sign-out (here or everywhere), password change, guests with a link. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type AuthState, isPlausibleEmail, normalizeEmail, SignupMode } from '../../shared/accounts/api.js';
import { hashPassword, passwordMatches, passwordProblem } from './passwords.js';
import { blocked, consume } from './rateLimits.js';
import { type AccountsDeps, cleanName, clientAddress, fail, jsonObject, noContent, ok, type Reply, requireSignedIn, stringField } from './routeKit.js';
import { clearSessionCookies, setSessionCookies } from './sessions.js';
import { toMe, type User } from './users.js';

export async function signupMode(deps: AccountsDeps): Promise<SignupMode> {
  // Invitation only unless someone chose otherwise: a fresh server on a network is not open to the world.
  return deps.signupModeFromEnv ?? (await deps.users.signupMode()) ?? SignupMode.invite;
}

/** Documents stored before accounts existed go to the first account (the administrator): nothing is orphaned. */
export async function adoptStoredDocuments(deps: Pick<AccountsDeps, 'directory' | 'store' | 'logger'>, admin: User): Promise<void> {
  const adopted = await deps.directory.adopt(admin, await deps.store.listDocuments(Number.MAX_SAFE_INTEGER));
  if (adopted > 0) deps.logger.info('documents stored before accounts were given to the first account', { adopted, owner: admin.id });
}

async function startSession(deps: AccountsDeps, user: User, request: IncomingMessage, response: ServerResponse): Promise<Reply> {
  const { secret } = await deps.sessions.create(user.id);
  setSessionCookies(request, response, secret);
  return ok(response, toMe(user));
}

export async function handleAuth(route: string, deps: AccountsDeps, request: IncomingMessage, response: ServerResponse): Promise<Reply | false> {
  switch (route) {
    case 'GET state': {
      const signedIn = await deps.access.signedIn(request);
      const state: AuthState = {
        user: signedIn ? toMe(signedIn.user) : null,
        setupNeeded: !(await deps.users.hasAnyAccount()),
        signupMode: await signupMode(deps),
        oidc: deps.oidc ? { label: deps.oidc.label } : null,
      };
      return ok(response, state);
    }
    case 'POST signup': {
      if (!(await consume(deps.limits.signUpPerAddress, clientAddress(request), response))) return true;
      const body = await jsonObject(request, response);
      if (!body) return true;
      const email = normalizeEmail(stringField(body, 'email') ?? '');
      const name = cleanName(stringField(body, 'name'));
      const password = body.password;
      if (!isPlausibleEmail(email)) return fail(response, 400, 'enter a valid email address');
      if (!name) return fail(response, 400, 'name must be 1 to 64 characters');
      const weak = passwordProblem(password);
      if (weak) return fail(response, 400, weak);
      const first = !(await deps.users.hasAnyAccount());
      if (!first && (await signupMode(deps)) === SignupMode.invite && !(await deps.users.isInvited(email))) {
        return fail(response, 403, 'Sign-up is by invitation only: ask an administrator or a document owner to invite this email.');
      }
      const user = await deps.users.createAccount({ email, name, passwordHash: await hashPassword(password as string) });
      if (!user) return fail(response, 409, 'An account with this email already exists: sign in instead.');
      deps.metrics.inc('tandem_accounts_created_total', 1, { method: 'password' });
      if (user.isAdmin) await adoptStoredDocuments(deps, user);
      return startSession(deps, user, request, response);
    }
    case 'POST signin': {
      if (!(await consume(deps.limits.signInPerAddress, clientAddress(request), response))) return true;
      const body = await jsonObject(request, response);
      if (!body) return true;
      const email = normalizeEmail(stringField(body, 'email') ?? '');
      const password = stringField(body, 'password') ?? '';
      if (await blocked(deps.limits.failuresPerAccount, email, response)) return true;
      const user = isPlausibleEmail(email) ? await deps.users.byEmail(email) : null;
      if (!(await passwordMatches(user?.passwordHash ?? null, password)) || !user) {
        await deps.limits.failuresPerAccount.penalty(email, 1);
        deps.metrics.inc('tandem_sign_in_failures_total');
        return fail(response, 401, 'Wrong email or password.');
      }
      if (user.disabled) return fail(response, 403, 'This account is disabled. Ask an administrator.');
      await deps.limits.failuresPerAccount.delete(email);
      return startSession(deps, user, request, response);
    }
    case 'POST signout': {
      const signedIn = await requireSignedIn(deps, request, response);
      if (!signedIn) return true;
      await deps.sessions.end(signedIn.session.id);
      await deps.live.reviewSessions([signedIn.session.id]);
      clearSessionCookies(request, response);
      return noContent(response);
    }
    case 'POST signout-all': {
      const signedIn = await requireSignedIn(deps, request, response);
      if (!signedIn) return true;
      const ended = await deps.sessions.endAll(signedIn.user.id);
      await deps.live.reviewSessions(ended);
      clearSessionCookies(request, response);
      return noContent(response);
    }
    case 'POST password': {
      const signedIn = await requireSignedIn(deps, request, response);
      if (!signedIn) return true;
      const body = await jsonObject(request, response);
      if (!body) return true;
      const key = signedIn.user.email ?? signedIn.user.id;
      if (await blocked(deps.limits.failuresPerAccount, key, response)) return true;
      if (!(await passwordMatches(signedIn.user.passwordHash, stringField(body, 'currentPassword') ?? ''))) {
        await deps.limits.failuresPerAccount.penalty(key, 1);
        return fail(response, 403, 'The current password is wrong.');
      }
      const weak = passwordProblem(body.newPassword);
      if (weak) return fail(response, 400, weak);
      await deps.users.setPasswordHash(signedIn.user.id, await hashPassword(body.newPassword as string));
      // A changed password ends every other session: whoever knew the old one is out.
      await deps.live.reviewSessions(await deps.sessions.endAll(signedIn.user.id, signedIn.session.id));
      return noContent(response);
    }
    case 'POST guest': {
      if (!(await consume(deps.limits.signUpPerAddress, clientAddress(request), response))) return true;
      const body = await jsonObject(request, response);
      if (!body) return true;
      const name = cleanName(stringField(body, 'name'));
      if (!name) return fail(response, 400, 'name must be 1 to 64 characters');
      const meta = await deps.directory.get(stringField(body, 'document') ?? '');
      const link = stringField(body, 'link') ?? '';
      // A guest exists only for a link that works now; anything else looks like a wrong link.
      if (!meta || meta.deletedAt !== null || meta.linkRole === null || link !== meta.linkSecret) return fail(response, 404, 'This link does not work any more. Ask the owner for a new one.');
      const guest = await deps.users.createGuest(name);
      await deps.directory.holdLink(meta.id, guest.id, link);
      deps.metrics.inc('tandem_accounts_created_total', 1, { method: 'guest' });
      return startSession(deps, guest, request, response);
    }
    case 'GET oidc/start':
    case 'GET oidc/callback':
      if (!deps.oidc) return fail(response, 404, 'single sign-on is not configured');
      await deps.oidc.handle(route === 'GET oidc/start' ? 'start' : 'callback', request, response);
      return true;
    default:
      return false;
  }
}
