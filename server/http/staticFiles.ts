/** Serves the built client. Unknown paths that look like pages get index.html (the SPA routes them). */
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

export function serveStatic(root: string | null, request: IncomingMessage, response: ServerResponse): void {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    sendText(response, 405, 'method not allowed');
    return;
  }
  if (root === null || !fs.existsSync(path.join(root, 'index.html'))) {
    sendText(response, 404, 'The client is not built. Run `npm run build` (npm start does this for you).');
    return;
  }
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
  } catch {
    sendText(response, 400, 'bad path');
    return;
  }
  if (pathname.includes('\0')) {
    sendText(response, 400, 'bad path');
    return;
  }
  // Source maps are never public, even if a build left some behind.
  if (path.extname(pathname) === '.map') {
    sendText(response, 404, 'not found');
    return;
  }
  const resolved = path.resolve(root, `.${pathname}`);
  // Never serve outside the client directory (e.g. `/../data/tandem.sqlite`).
  const inside = resolved === root || resolved.startsWith(root + path.sep);
  const stat = inside ? fs.statSync(resolved, { throwIfNoEntry: false }) : undefined;
  if (stat?.isFile() === true) {
    sendFile(request, response, resolved, stat, pathname.startsWith('/assets/'));
    return;
  }
  if (path.extname(pathname) !== '') {
    sendText(response, 404, 'not found');
    return;
  }
  const index = path.join(root, 'index.html');
  const indexStat = fs.statSync(index, { throwIfNoEntry: false });
  if (indexStat === undefined) return sendText(response, 404, 'not found');
  sendFile(request, response, index, indexStat, false);
}

/** Types worth compressing; images and fonts other than SVG are compressed already. */
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.webmanifest', '.svg', '.txt']);
/** Below this, compression saves less than the headers it costs. */
const MIN_COMPRESS_BYTES = 1024;
/** Larger files are streamed as they are rather than held in memory. */
const MAX_CACHED_BYTES = 32 * 1024 * 1024;

interface Variants {
  key: string;
  identity: Buffer;
  gzip: Buffer | null;
  /** Filled in once the background compression is done; gzip is served until then. */
  br: Buffer | null;
}

/**
 * Brotli quality: 5 compresses a 900 KB bundle in about a quarter of a second on a thread-pool thread and still
 * beats gzip -9; quality 11 takes seconds of CPU per file, which every freshly started server (each e2e test)
 * would pay again.
 */
const BROTLI_QUALITY = 5;

const gzipAsync = promisify(zlib.gzip);
const brotliAsync = promisify(zlib.brotliCompress);

/**
 * Compressed lazily, once per file version (path + mtime + size), off the event loop (zlib's async API runs
 * on the thread pool), then served from memory. The first request waits for gzip only (tens of ms); brotli
 * follows in the background.
 */
const variantCache = new Map<string, Promise<Variants>>();

function variantsOf(file: string, stat: fs.Stats): Promise<Variants> {
  const key = `${stat.mtimeMs}:${stat.size}`;
  const cached = variantCache.get(file);
  if (cached) return cached.then((found) => (found.key === key ? found : refresh()));
  return refresh();

  function refresh(): Promise<Variants> {
    const pending = (async (): Promise<Variants> => {
      const identity = await fs.promises.readFile(file);
      if (identity.length < MIN_COMPRESS_BYTES) return { key, identity, gzip: null, br: null };
      const variants: Variants = { key, identity, gzip: await gzipAsync(identity, { level: 9 }), br: null };
      brotliAsync(identity, {
        params: { [zlib.constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: identity.length },
      }).then(
        (br) => void (variants.br = br),
        () => undefined, // gzip stays the best on offer
      );
      return variants;
    })();
    variantCache.set(file, pending);
    pending.catch(() => variantCache.delete(file));
    return pending;
  }
}

/** The encodings the client accepts (q=0 refuses), best first: brotli, then gzip. */
function acceptedEncodings(acceptEncoding: string | undefined): Array<'br' | 'gzip'> {
  const accepted = new Set<string>();
  for (const part of (acceptEncoding ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    if (name && (q === undefined || Number(q) > 0)) accepted.add(name);
  }
  const result: Array<'br' | 'gzip'> = [];
  if (accepted.has('br')) result.push('br');
  if (accepted.has('gzip') || accepted.has('*')) result.push('gzip');
  return result;
}

function notModified(request: IncomingMessage, etag: string): boolean {
  const header = request.headers['if-none-match'];
  if (header === undefined) return false;
  return header.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed.replace(/^W\//, '') === etag;
  });
}

function sendFile(request: IncomingMessage, response: ServerResponse, file: string, stat: fs.Stats, immutable: boolean): void {
  const type = CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream';
  const headOnly = request.method === 'HEAD';
  const headers: Record<string, string> = {
    'content-type': type,
    // Vite fingerprints everything under /assets; the rest (index.html, sw.js) must revalidate.
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    'x-content-type-options': 'nosniff',
  };
  const base = `${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}`;
  const compressible = COMPRESSIBLE.has(path.extname(file)) && stat.size <= MAX_CACHED_BYTES;
  if (!compressible) {
    const etag = `"${base}"`;
    headers.etag = etag;
    if (notModified(request, etag)) return void response.writeHead(304, headers).end();
    response.writeHead(200, { ...headers, 'content-length': String(stat.size) });
    if (headOnly) return void response.end();
    fs.createReadStream(file)
      .on('error', () => response.destroy())
      .pipe(response);
    return;
  }
  headers.vary = 'accept-encoding';
  variantsOf(file, stat)
    .then((variants) => {
      const encoding = acceptedEncodings(request.headers['accept-encoding']).find((name) => variants[name] !== null) ?? null;
      const body = encoding === null ? variants.identity : (variants[encoding] as Buffer);
      // Each representation has its own strong validator.
      const etag = `"${base}${encoding === null ? '' : `-${encoding}`}"`;
      headers.etag = etag;
      if (encoding !== null) headers['content-encoding'] = encoding;
      if (notModified(request, etag)) return void response.writeHead(304, headers).end();
      response.writeHead(200, { ...headers, 'content-length': String(body.length) });
      response.end(headOnly ? undefined : body);
    })
    .catch(() => {
      if (!response.headersSent) sendText(response, 500, 'could not read file');
      else response.destroy();
    });
}

export function sendText(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  response.end(text);
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  response.end(JSON.stringify(body));
}
