/**
 * Serves the built client. Unknown paths that look like pages get index.html (the SPA routes them).
 * Every file system call is asynchronous: a slow disk delays one request, never the event loop. Compressed
 * bodies are the `.br`/`.gz` siblings written at build time (precompressed.ts); nothing is compressed here.
 */
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { COMPRESSIBLE_EXTENSIONS, SIBLING_ENCODINGS, type SiblingEncoding } from './precompressed.js';
import { sendText } from './replies.js';

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

const NOT_BUILT = 'The client is not built. Run `npm run build` (npm start does this for you).';

export async function serveStatic(root: string | null, request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return sendText(response, 405, 'method not allowed');
  if (root === null) return sendText(response, 404, NOT_BUILT);
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
  } catch {
    return sendText(response, 400, 'bad path');
  }
  if (pathname.includes('\0')) return sendText(response, 400, 'bad path');
  // Source maps are never public, even if a build left some behind.
  if (path.extname(pathname) === '.map') return sendText(response, 404, 'not found');
  const resolved = path.resolve(root, `.${pathname}`);
  // Never serve outside the client directory (e.g. `/../data/tandem.sqlite`).
  const inside = resolved === root || resolved.startsWith(root + path.sep);
  const stat = inside ? await fileStat(resolved) : null;
  if (stat) return sendFile(request, response, resolved, stat, pathname.startsWith('/assets/'));
  if (path.extname(pathname) !== '') return sendText(response, 404, 'not found');
  const index = path.join(root, 'index.html');
  const indexStat = await fileStat(index);
  if (!indexStat) return sendText(response, 404, NOT_BUILT);
  return sendFile(request, response, index, indexStat, false);
}

/** The file's stat, or null when there is no regular file there. */
async function fileStat(file: string): Promise<fs.Stats | null> {
  const stat = await fs.promises.stat(file).catch(() => null);
  return stat?.isFile() ? stat : null;
}

/** The encodings the client accepts (q=0 refuses). */
function acceptedEncodings(acceptEncoding: string | undefined): Set<string> {
  const accepted = new Set<string>();
  for (const part of (acceptEncoding ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    if (name && (q === undefined || Number(q) > 0)) accepted.add(name);
  }
  return accepted;
}

interface Representation {
  file: string;
  size: number;
  encoding: SiblingEncoding | null;
}

/**
 * The best sibling the client accepts, else the file itself. A sibling older than its file is left over
 * from an earlier build and would serve stale bytes, so it is passed over.
 */
async function chooseRepresentation(request: IncomingMessage, file: string, stat: fs.Stats): Promise<Representation> {
  const accepted = acceptedEncodings(request.headers['accept-encoding']);
  for (const { encoding, suffix } of SIBLING_ENCODINGS) {
    if (!accepted.has(encoding) && !accepted.has('*')) continue;
    const sibling = await fileStat(`${file}${suffix}`);
    if (sibling && sibling.mtimeMs >= stat.mtimeMs) return { file: `${file}${suffix}`, size: sibling.size, encoding };
  }
  return { file, size: stat.size, encoding: null };
}

/** RFC 9110 §13.1: If-None-Match decides when present (weak comparison); If-Modified-Since only otherwise. */
function notModified(request: IncomingMessage, etag: string, modifiedAt: Date): boolean {
  const noneMatch = request.headers['if-none-match'];
  if (noneMatch !== undefined) {
    return noneMatch.split(',').some((tag) => {
      const trimmed = tag.trim();
      return trimmed === '*' || trimmed.replace(/^W\//, '') === etag;
    });
  }
  const since = Date.parse(request.headers['if-modified-since'] ?? '');
  // HTTP dates have whole seconds; the file's mtime is finer.
  return Number.isFinite(since) && Math.floor(modifiedAt.getTime() / 1000) * 1000 <= since;
}

async function sendFile(request: IncomingMessage, response: ServerResponse, file: string, stat: fs.Stats, immutable: boolean): Promise<void> {
  const extension = path.extname(file);
  const compressible = COMPRESSIBLE_EXTENSIONS.has(extension);
  const chosen = compressible ? await chooseRepresentation(request, file, stat) : { file, size: stat.size, encoding: null };
  // Strong: each representation of each file version (size + mtime) has its own validator.
  const etag = `"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}${chosen.encoding === null ? '' : `-${chosen.encoding}`}"`;
  const headers: Record<string, string> = {
    'content-type': CONTENT_TYPES[extension] ?? 'application/octet-stream',
    // Vite fingerprints everything under /assets; the rest (index.html, sw.js) must revalidate.
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    'x-content-type-options': 'nosniff',
    etag,
    'last-modified': stat.mtime.toUTCString(),
    // Caches must key a compressible file on the encoding asked for, even when this answer is identity.
    ...(compressible ? { vary: 'accept-encoding' } : {}),
    ...(chosen.encoding === null ? {} : { 'content-encoding': chosen.encoding }),
  };
  if (notModified(request, etag, stat.mtime)) return void response.writeHead(304, headers).end();
  response.writeHead(200, { ...headers, 'content-length': String(chosen.size) });
  if (request.method === 'HEAD') return void response.end();
  fs.createReadStream(chosen.file)
    .on('error', () => response.destroy())
    .pipe(response);
}
