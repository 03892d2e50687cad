/** Serves the built client. Unknown paths that look like pages get index.html (the SPA routes them). */
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';

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
  const resolved = path.resolve(root, `.${pathname}`);
  // Never serve outside the client directory (e.g. `/../data/tandem.sqlite`).
  const inside = resolved === root || resolved.startsWith(root + path.sep);
  const isFile = inside && fs.statSync(resolved, { throwIfNoEntry: false })?.isFile() === true;
  if (isFile) {
    sendFile(response, resolved, request.method === 'HEAD', pathname.startsWith('/assets/'));
    return;
  }
  if (path.extname(pathname) !== '') {
    sendText(response, 404, 'not found');
    return;
  }
  sendFile(response, path.join(root, 'index.html'), request.method === 'HEAD', false);
}

function sendFile(response: ServerResponse, file: string, headOnly: boolean, immutable: boolean): void {
  const type = CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream';
  response.writeHead(200, {
    'content-type': type,
    // Vite fingerprints everything under /assets; the rest (index.html, sw.js) must revalidate.
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    'x-content-type-options': 'nosniff',
  });
  if (headOnly) {
    response.end();
    return;
  }
  fs.createReadStream(file).pipe(response);
}

export function sendText(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  response.end(text);
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  response.end(JSON.stringify(body));
}
