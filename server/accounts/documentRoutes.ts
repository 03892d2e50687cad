/** `/api/documents/…`: lists, creation, title, trash, sharing, ownership and document tokens. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DocumentRole, isPlausibleEmail, isShareRole, MAX_TITLE_LENGTH, normalizeEmail, type Sharing } from '../../shared/accounts/api.js';
import { isValidDocName } from '../../shared/docName.js';
import { CloseCode, ACCESS_REVOKED_REASON } from '../../shared/protocol/closeCodes.js';
import type { SignedIn } from './access.js';
import type { DocumentMeta } from './directory.js';
import { type AccountsDeps, fail, jsonObject, noContent, ok, type Reply, requireSignedIn, stringField } from './routeKit.js';

/** A document you cannot see answers exactly like one that does not exist. */
const NOT_FOUND = 'no such document';

function cleanTitle(raw: string | null): string | null {
  const title = raw?.trim().replace(/\s+/g, ' ') ?? '';
  return title.length >= 1 && title.length <= MAX_TITLE_LENGTH ? title : null;
}

async function sharing(deps: AccountsDeps, meta: DocumentMeta, asOwner: boolean): Promise<Sharing> {
  const owner = await deps.users.byId(meta.ownerId);
  return {
    owner: { id: meta.ownerId, name: owner?.name ?? '', email: owner?.email ?? null },
    members: await deps.directory.members(meta.id),
    link: { role: meta.linkRole, ...(asOwner ? { secret: meta.linkSecret } : {}) },
  };
}

export async function handleDocuments(segments: string[], deps: AccountsDeps, request: IncomingMessage, response: ServerResponse, url: URL): Promise<Reply | false> {
  const method = request.method ?? 'GET';
  const signedIn = await requireSignedIn(deps, request, response);
  if (!signedIn) return true;
  const { user } = signedIn;
  const [id, resource, sub, ...rest] = segments;
  if (rest.length > 0) return false;

  if (id === undefined || id === '') {
    if (method === 'GET') {
      const query = url.searchParams.get('q') ?? '';
      return ok(response, { owned: await deps.directory.owned(user, query, false), shared: await deps.directory.sharedWith(user, query) });
    }
    if (method === 'POST') {
      if (user.isGuest) return fail(response, 403, 'guests cannot create documents: sign up first');
      const body = await jsonObject(request, response);
      if (!body) return true;
      const rawTitle = stringField(body, 'title');
      const title = rawTitle === null ? undefined : cleanTitle(rawTitle);
      if (title === null) return fail(response, 400, `title must be 1 to ${MAX_TITLE_LENGTH} characters`);
      const meta = await deps.directory.create(user, title);
      deps.metrics.inc('tandem_documents_created_total');
      return ok(response, await deps.directory.summary(meta, 'owner'));
    }
    return fail(response, 405, 'use GET or POST');
  }
  if (id === 'trash' && resource === undefined) {
    if (method !== 'GET') return fail(response, 405, 'use GET');
    return ok(response, { documents: await deps.directory.owned(user, url.searchParams.get('q') ?? '', true) });
  }
  if (!isValidDocName(id)) return fail(response, 404, NOT_FOUND);

  const meta = await deps.directory.get(id);
  // The owner still reaches a trashed document's restore and purge; nobody else sees it at all.
  const ownsTrashed = meta !== null && meta.deletedAt !== null && meta.ownerId === user.id;
  const route = `${method} ${[resource, sub].filter((part) => part !== undefined).join('/')}`.trim();
  if (ownsTrashed && (route === 'POST restore' || route === 'DELETE purge')) return trashRoute(route, deps, meta, response);
  // A token request may bring a link secret that gives the role: it is judged before the role check.
  if (route === 'POST token' && meta) return documentToken(deps, signedIn, meta, request, response);
  const role = await deps.directory.roleOf(user, meta);
  if (!meta || role === null) return fail(response, 404, NOT_FOUND);
  const isOwner = role === DocumentRole.owner;
  const ownerOnly = (): boolean => {
    if (!isOwner) fail(response, 403, 'only the owner can do this');
    return isOwner;
  };

  switch (route) {
    case 'GET':
      return ok(response, await deps.directory.summary(meta, role));
    case 'PATCH': {
      if (role !== 'editor' && !isOwner) return fail(response, 403, 'only editors can rename');
      const body = await jsonObject(request, response);
      if (!body) return true;
      const title = cleanTitle(stringField(body, 'title'));
      if (title === null) return fail(response, 400, `title must be 1 to ${MAX_TITLE_LENGTH} characters`);
      await deps.directory.rename(meta.id, title);
      return ok(response, await deps.directory.summary({ ...meta, title }, role));
    }
    case 'DELETE': {
      if (!ownerOnly()) return true;
      await deps.directory.setDeleted(meta.id, Date.now());
      await deps.live.reviewDocument(meta.id);
      return noContent(response);
    }
    case 'POST restore':
    case 'DELETE purge':
      return fail(response, 409, 'the document is not in the trash');
    case 'GET sharing':
      if (role !== 'editor' && !isOwner) return fail(response, 403, 'only editors can see who has access');
      return ok(response, await sharing(deps, meta, isOwner));
    case 'PUT members': {
      if (!ownerOnly()) return true;
      const body = await jsonObject(request, response);
      if (!body) return true;
      const email = normalizeEmail(stringField(body, 'email') ?? '');
      if (!isPlausibleEmail(email)) return fail(response, 400, 'enter a valid email address');
      if (!isShareRole(body.role)) return fail(response, 400, 'role must be viewer, commenter or editor');
      if (email === user.email) return fail(response, 400, 'you own this document');
      await deps.directory.setMember(meta.id, email, body.role);
      await deps.live.reviewDocument(meta.id);
      return ok(response, await sharing(deps, meta, true));
    }
    case 'PUT link': {
      if (!ownerOnly()) return true;
      const body = await jsonObject(request, response);
      if (!body) return true;
      if (body.role !== null && !isShareRole(body.role)) return fail(response, 400, 'role must be null, viewer, commenter or editor');
      await deps.directory.setLinkRole(meta.id, body.role);
      await deps.live.reviewDocument(meta.id);
      return ok(response, await sharing(deps, { ...meta, linkRole: body.role }, true));
    }
    case 'POST link/reset': {
      if (!ownerOnly()) return true;
      await deps.directory.resetLink(meta.id);
      await deps.live.reviewDocument(meta.id);
      return ok(response, await sharing(deps, (await deps.directory.get(meta.id)) ?? meta, true));
    }
    case 'POST owner': {
      if (!ownerOnly()) return true;
      const body = await jsonObject(request, response);
      if (!body) return true;
      const next = await deps.users.byEmail(stringField(body, 'email') ?? '');
      if (!next || next.isGuest || next.disabled) return fail(response, 400, 'the new owner needs an account');
      if (next.id === user.id) return fail(response, 400, 'you already own this document');
      await deps.directory.transferOwnership(meta.id, user, next);
      await deps.live.reviewDocument(meta.id);
      return ok(response, await sharing(deps, { ...meta, ownerId: next.id }, false));
    }
    default:
      if (resource === 'members' && sub !== undefined && method === 'DELETE') {
        if (!ownerOnly()) return true;
        let email: string;
        try {
          email = decodeURIComponent(sub);
        } catch {
          return fail(response, 400, 'bad email');
        }
        if (!(await deps.directory.removeMember(meta.id, email))) return fail(response, 404, 'not a member');
        await deps.live.reviewDocument(meta.id);
        return ok(response, await sharing(deps, meta, true));
      }
      return false;
  }
}

/** A socket token; with `link`, first records that this person holds the document's current link. */
async function documentToken(deps: AccountsDeps, signedIn: SignedIn, meta: DocumentMeta, request: IncomingMessage, response: ServerResponse): Promise<Reply> {
  const body = await jsonObject(request, response);
  if (!body) return true;
  const link = stringField(body, 'link');
  if (link !== null && meta.linkRole !== null && meta.deletedAt === null && link === meta.linkSecret) {
    await deps.directory.holdLink(meta.id, signedIn.user.id, link);
  }
  const role = await deps.directory.roleOf(signedIn.user, meta);
  if (role === null) return fail(response, 404, NOT_FOUND);
  return ok(response, await deps.access.documentToken(signedIn, meta.id, role));
}

async function trashRoute(route: string, deps: AccountsDeps, meta: DocumentMeta, response: ServerResponse): Promise<Reply> {
  if (route === 'POST restore') {
    await deps.directory.setDeleted(meta.id, null);
    return ok(response, await deps.directory.summary({ ...meta, deletedAt: null }, 'owner'));
  }
  // Deleted for good: nobody can have it open (it was trashed, which closed every connection).
  await deps.rooms.unload(meta.id, CloseCode.forbidden, ACCESS_REVOKED_REASON);
  await deps.store.purge(meta.id);
  await deps.directory.remove(meta.id);
  deps.metrics.inc('tandem_documents_purged_total');
  return noContent(response);
}
