/**
 * Admission of a WebSocket at `/collab/<docName>?token=…`: the doc name is checked before anything else
 * (nothing touches storage for a bad name), then the token, then the room is joined. Browsers cannot read
 * HTTP status codes of a failed upgrade, so refusals complete the upgrade and close with a code from the
 * shared table, which the client's reaction is a function of.
 */
import type { IncomingMessage } from 'node:http';
import type { Identity } from '../../shared/auth.js';
import { isValidDocName } from '../../shared/docName.js';
import { CloseCode, type TandemCloseCode } from '../../shared/protocol/closeCodes.js';
import { tandemVersionOf } from '../../shared/protocol/messages.js';
import type { AccessControl } from '../accounts/access.js';

export const COLLAB_PATH_PREFIX = '/collab/';

export type Admission =
  | { ok: true; docName: string; identity: Identity; optedIn: boolean; tandemVersion: number | null; expiresAt: number }
  | { ok: false; code: TandemCloseCode; reason: string };

export async function admit(request: IncomingMessage, access: AccessControl): Promise<Admission> {
  const url = new URL(request.url ?? '/', 'http://localhost');
  if (!url.pathname.startsWith(COLLAB_PATH_PREFIX)) return { ok: false, code: CloseCode.badRequest, reason: 'unknown path' };
  let docName: string;
  try {
    docName = decodeURIComponent(url.pathname.slice(COLLAB_PATH_PREFIX.length));
  } catch {
    return { ok: false, code: CloseCode.badRequest, reason: 'invalid document name' };
  }
  if (!isValidDocName(docName)) return { ok: false, code: CloseCode.badRequest, reason: 'invalid document name' };
  // The same check as every HTTP route (accounts/access.ts): a session-bound token is worth the access that exists now.
  const verified = await access.identify(url.searchParams.get('token'), docName);
  if (!verified.ok) return { ok: false, code: verified.status === 401 ? CloseCode.unauthenticated : CloseCode.forbidden, reason: verified.reason };
  const tandemVersion = tandemVersionOf(url.searchParams);
  return {
    ok: true,
    docName,
    identity: verified.identity,
    expiresAt: verified.expiresAt,
    optedIn: tandemVersion !== null,
    // Version 2 and later are also sent kinds added since version 1 (`restored`).
    tandemVersion,
  };
}
