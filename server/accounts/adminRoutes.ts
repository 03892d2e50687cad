/** `/api/admin/…`: the administrator's sign-up policy, invitations and accounts. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type AdminSettings, isPlausibleEmail, normalizeEmail, SignupMode } from '../../shared/accounts/api.js';
import { signupMode } from './authRoutes.js';
import { type AccountsDeps, fail, jsonObject, noContent, ok, type Reply, requireSignedIn, stringField } from './routeKit.js';
import { toAdminUser } from './users.js';

export async function handleAdmin(segments: string[], deps: AccountsDeps, request: IncomingMessage, response: ServerResponse): Promise<Reply | false> {
  const signedIn = await requireSignedIn(deps, request, response);
  if (!signedIn) return true;
  if (!signedIn.user.isAdmin) return fail(response, 403, 'only an administrator can do this');
  const route = `${request.method ?? 'GET'} ${segments[0] ?? ''}`;
  switch (route) {
    case 'GET settings':
      return ok(response, { signupMode: await signupMode(deps), fixedByEnvironment: deps.signupModeFromEnv !== null } satisfies AdminSettings);
    case 'PUT settings': {
      const body = await jsonObject(request, response);
      if (!body) return true;
      if (deps.signupModeFromEnv !== null) return fail(response, 409, 'SIGNUP_MODE is set in the environment; change it there');
      if (body.signupMode !== SignupMode.open && body.signupMode !== SignupMode.invite) return fail(response, 400, 'signupMode must be open or invite');
      await deps.users.setSignupMode(body.signupMode);
      return ok(response, { signupMode: body.signupMode, fixedByEnvironment: false } satisfies AdminSettings);
    }
    case 'POST invites': {
      const body = await jsonObject(request, response);
      if (!body) return true;
      const email = normalizeEmail(stringField(body, 'email') ?? '');
      if (!isPlausibleEmail(email)) return fail(response, 400, 'enter a valid email address');
      await deps.users.invite(email, signedIn.user.id);
      return noContent(response);
    }
    case 'GET users':
      return ok(response, { users: (await deps.users.listAccounts()).map(toAdminUser) });
    case 'PUT users': {
      const userId = segments[1];
      if (userId === undefined || segments.length > 2) return false;
      const body = await jsonObject(request, response);
      if (!body) return true;
      if (typeof body.disabled !== 'boolean') return fail(response, 400, 'disabled must be true or false');
      if (userId === signedIn.user.id) return fail(response, 400, 'you cannot disable your own account');
      const user = await deps.users.setDisabled(userId, body.disabled);
      if (!user) return fail(response, 404, 'no such account');
      // A disabled account's sessions stop working at once, open documents included.
      if (body.disabled) await deps.live.reviewUser(userId);
      return ok(response, toAdminUser(user));
    }
    default:
      return false;
  }
}
