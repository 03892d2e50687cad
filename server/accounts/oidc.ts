/** OpenID Connect sign-in (configured from the environment). The routes call `handle` for
 *  `GET /api/auth/oidc/start` and `GET /api/auth/oidc/callback`. */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface OidcSignIn {
  /** The sign-in button's label, e.g. "Sign in with Acme". */
  readonly label: string;
  handle(step: 'start' | 'callback', request: IncomingMessage, response: ServerResponse): Promise<void>;
}
