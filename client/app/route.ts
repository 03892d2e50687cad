/**
 * Two pages, chosen by `location.pathname`: `/` (home) and `/d/<docName>` (editor). Small enough
 * that a router library would be more code than it saves.
 */
import { useSyncExternalStore } from 'react';
import { LINK_PARAM } from '../../shared/accounts/api.js';
import { isValidDocName } from '../../shared/docName.js';

export type Route =
  | { page: 'home' }
  | { page: 'document'; docName: string }
  /** `/d/<something>` where something is not a valid document name. */
  | { page: 'invalidDocument'; raw: string }
  | { page: 'notFound' };

export function parseRoute(pathname: string): Route {
  if (pathname === '/' || pathname === '') return { page: 'home' };
  const match = /^\/d\/([^/]*)\/?$/.exec(pathname);
  if (!match) return { page: 'notFound' };
  let raw = match[1] ?? '';
  try {
    raw = decodeURIComponent(raw);
  } catch {
    // keep the raw text; it is shown back to the person as-is
  }
  return isValidDocName(raw) ? { page: 'document', docName: raw } : { page: 'invalidDocument', raw };
}

export function documentPath(docName: string): string {
  return `/d/${encodeURIComponent(docName)}`;
}

const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener('popstate', listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('popstate', listener);
  };
}

export function navigate(path: string): void {
  if (path === location.pathname) return;
  history.pushState(null, '', path);
  for (const listener of listeners) listener();
}

export function usePathname(): string {
  return useSyncExternalStore(subscribe, () => location.pathname);
}

/** The share link's secret in the address (`/d/<id>?link=<secret>`), if any. */
export function linkFromAddress(): string | null {
  const link = new URLSearchParams(location.search).get(LINK_PARAM);
  return link === null || link === '' ? null : link;
}

/** Takes the secret out of the address bar once the server has it, so history and screenshots do not keep it. */
export function removeLinkFromAddress(): void {
  const url = new URL(location.href);
  if (!url.searchParams.has(LINK_PARAM)) return;
  url.searchParams.delete(LINK_PARAM);
  history.replaceState(history.state, '', url.pathname + url.search + url.hash);
}
