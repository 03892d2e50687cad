/**
 * One JSON body reader for every API: an oversized body is 413, malformed JSON or a body that is not an
 * object is 400, each with a JSON error, whether the route is an accounts route or a timeline route.
 */
import { describe, expect, it } from 'vitest';
import { Role } from '../../shared/auth.js';
import type { TandemServer } from '../../server/app.js';
import { testScope } from '../helpers/scope.js';

const scope = testScope();

interface Route {
  name: string;
  path: string;
  headers(srv: TandemServer): Promise<Record<string, string>>;
}

const ROUTES: Route[] = [
  { name: 'an accounts route', path: '/api/auth/signin', headers: async () => ({}) },
  {
    name: 'a timeline route',
    path: '/api/docs/bodies-doc/versions',
    headers: async (srv) => ({ authorization: `Bearer ${await srv.tokens.mint({ sub: 'user-ada', name: 'Ada', color: '#e5484d', role: Role.editor, doc: 'bodies-doc' }, 600)}` }),
  },
];

async function post(srv: TandemServer, route: Route, body: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${srv.url}${route.path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(await route.headers(srv)) }, body });
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  return { status: response.status, body: await response.json() };
}

describe('JSON request bodies', () => {
  for (const route of ROUTES) {
    it(`${route.name}: 413 for an oversized body, 400 for malformed JSON or a non-object`, async () => {
      const srv = await scope.server();
      // Far past the limit, so the client is still sending when the server stops reading: the 413 must still arrive.
      expect(await post(srv, route, JSON.stringify({ name: 'x'.repeat(1024 * 1024) }))).toEqual({ status: 413, body: { error: 'body too large' } });
      expect(await post(srv, route, '{"name": ')).toEqual({ status: 400, body: { error: 'body must be JSON' } });
      expect(await post(srv, route, '[1, 2]')).toEqual({ status: 400, body: { error: 'body must be a JSON object' } });
    });
  }
});
