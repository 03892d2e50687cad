/**
 * Tandem's service worker: keeps the app shell (index.html and every hashed asset of its build) so
 * the app loads, and opens every view, without a network. Documents themselves are in IndexedDB, never
 * in this cache, and the API, WebSocket and health endpoints always go to the network.
 *
 * - Navigations: network first (a deploy shows up on the next load), the cached shell when offline.
 *   The server answers every document path with the same index.html, so one cached copy serves all.
 * - Assets: cache first. Vite puts a content hash in their names, so a cached copy is never stale.
 * - The shell's assets are the build's whole list (asset-manifest.json, written by vite.config.ts), not
 *   only what index.html references: the chunks loaded on demand (timeline, dialogs, linkify…) must be
 *   here before the network goes away, or opening them offline fails.
 */
// Runs in the ServiceWorkerGlobalScope: `self` is the worker, `self.clients` its pages.
const CACHE = 'tandem-shell-v1';
const SHELL = '/';
/** Every asset of the build, written by vite.config.ts's assetManifest plugin. */
const MANIFEST = '/asset-manifest.json';
const NETWORK_ONLY = ['/api/', '/collab', '/healthz', '/metrics'];

/** The same-origin scripts, styles and icons an index.html references. */
function assetsOf(html) {
  const urls = new Set();
  for (const match of html.matchAll(/(?:src|href)="(\/[^"]+)"/g)) urls.add(match[1]);
  return [...urls];
}

/**
 * The `/assets/` paths of the build whose index.html is `referenced`, from the build's asset list; null
 * when the list cannot be had (network, an older build without it) or belongs to another build (a deploy
 * between the two fetches: it lacks something this index.html references).
 */
async function deployedAssets(referenced) {
  try {
    // no-cache: the list has no hash in its name, so a copy kept by the HTTP cache could be an old deploy's.
    const response = await fetch(MANIFEST, { cache: 'no-cache' });
    if (!response.ok) return null;
    const { assets } = await response.json();
    if (!Array.isArray(assets) || !assets.every((path) => typeof path === 'string' && path.startsWith('/assets/'))) return null;
    const listed = new Set(assets);
    return referenced.every((path) => !path.startsWith('/assets/') || listed.has(path)) ? assets : null;
  } catch {
    return null;
  }
}

/**
 * Stores a fresh shell and its build's assets, and drops the assets of older deploys. Without the build's
 * list it stores what index.html references and drops nothing: it cannot tell an older deploy's file from
 * a chunk of this one that was cached when first loaded.
 */
async function cacheShell(response) {
  const cache = await caches.open(CACHE);
  const html = await response.clone().text();
  const referenced = assetsOf(html);
  const deployed = await deployedAssets(referenced);
  const assets = [...new Set([...referenced, ...(deployed ?? [])])];
  // A hashed name already cached is this very file, so only missing ones are fetched; the rest (the
  // favicon) have fixed names and are fetched again, as before.
  const cached = await Promise.all(assets.map((path) => (path.startsWith('/assets/') ? cache.match(path) : undefined)));
  await cache.addAll(assets.filter((_, index) => cached[index] === undefined));
  await cache.put(SHELL, response);
  if (deployed === null) return;
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
