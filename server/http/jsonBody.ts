/**
 * The one JSON request-body reader every API uses, so each answers a bad body the same way: 413 past
 * `maxBytes` (the rest is dropped, never buffered), 400 for malformed JSON or a body that is not an object,
 * each with a JSON `{ error }`. No route checks the content type: the body is parsed as JSON whatever it says.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from './replies.js';

type BodyResult = { ok: true; value: unknown } | { ok: false; status: number; error: string };

/** The body as an object, or null once the refusal has been answered. */
export async function readJsonObject(request: IncomingMessage, response: ServerResponse, maxBytes: number): Promise<Record<string, unknown> | null> {
  const body = await readJson(request, maxBytes);
  if (!body.ok) {
    sendJson(response, body.status, { error: body.error });
    return null;
  }
  if (typeof body.value !== 'object' || body.value === null || Array.isArray(body.value)) {
    sendJson(response, 400, { error: 'body must be a JSON object' });
    return null;
  }
  return body.value as Record<string, unknown>;
}

/**
 * Buffers at most `maxBytes`. Past that the rest is read and dropped rather than the request destroyed:
 * destroying it resets the socket, and the client, still sending, may then never read the 413 (or reuse a
 * dead keep-alive connection for its next request). The server's request timeout bounds the draining.
 */
function readJson(request: IncomingMessage, maxBytes: number): Promise<BodyResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        chunks.length = 0;
        resolve({ ok: false, status: 413, error: 'body too large' });
      } else chunks.push(chunk);
    });
    request.on('end', () => {
      if (size > maxBytes) return;
      try {
        resolve({ ok: true, value: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      } catch {
        resolve({ ok: false, status: 400, error: 'body must be JSON' });
      }
    });
    // The client went away mid-body: nobody reads the answer, but the route must not hang.
    request.on('error', () => resolve({ ok: false, status: 400, error: 'body could not be read' }));
  });
}
