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

async function readJson(request: IncomingMessage, maxBytes: number): Promise<BodyResult> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) return { ok: false, status: 413, error: 'body too large' };
    chunks.push(chunk as Buffer);
  }
  try {
    return { ok: true, value: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
  } catch {
    return { ok: false, status: 400, error: 'body must be JSON' };
  }
}
