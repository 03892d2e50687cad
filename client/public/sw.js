/**
 * Tandem's service worker: keeps the app shell (index.html and the hashed assets it references) so
 * the app loads without a network. Documents themselves are in IndexedDB, never in this cache, and
 * the API, WebSocket and health endpoints always go to the network.
 *
 * - Navigations: network first (a deploy shows up on the next load), the cached shell when offline.
 *   The server answers every document path with the same index.html, so one cached copy serves all.
 * - Assets: cache first. Vite puts a content hash in their names, so a cached copy is never stale.
 */
// Runs in the ServiceWorkerGlobalScope: `self` is the worker, `self.clients` its pages.
const CACHE = 'tandem-shell-v1';
const SHELL = '/';
const NETWORK_ONLY = ['/api/', '/collab', '/healthz', '/metrics'];

/** The same-origin scripts, styles and icons an index.html references. */
function assetsOf(html) {
  const urls = new Set();
  for (const match of html.matchAll(/(?:src|href)="(\/[^"]+)"/g)) urls.add(match[1]);
  return [...urls];
}

/** Stores a fresh shell and its assets, and drops assets no longer referenced (older deploys). */
async function cacheShell(response) {
  const cache = await caches.open(CACHE);
  const html = await response.clone().text();
  const assets = assetsOf(html);
  await cache.addAll(assets);
  await cache.put(SHELL, response);
  const keep = new Set([SHELL, ...assets].map((path) => new URL(path, self.location.origin).href));
  for (const request of await cache.keys()) {
    if (!keep.has(request.url) && new URL(request.url).pathname.startsWith('/assets/')) await cache.delete(request);
  }
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const response = await fetch(SHELL, { cache: 'no-cache' });
      if (response.ok) await cacheShell(response);
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name);
      await self.clients.claim();
    })(),
  );
});

async function handleNavigation(event) {
  try {
    const response = await fetch(event.request);
    const isHtml = (response.headers.get('content-type') ?? '').includes('text/html');
    if (response.ok && isHtml) event.waitUntil(cacheShell(response.clone()).catch(() => undefined));
    return response;
  } catch (error) {
    const cached = await caches.match(SHELL);
    if (cached) return cached;
    throw error;
  }
}

async function handleAsset(request) {
  const cached = await caches.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) {
    const cache = await caches.open(CACHE);
    await cache.put(request, response.clone());
  }
  return response;
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (NETWORK_ONLY.some((prefix) => url.pathname.startsWith(prefix))) return;
  if (request.mode === 'navigate') event.respondWith(handleNavigation(event));
  else if (url.pathname.startsWith('/assets/') || url.pathname === '/favicon.svg') event.respondWith(handleAsset(request));
});
