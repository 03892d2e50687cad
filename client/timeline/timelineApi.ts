/** The timeline HTTP API from the browser (grammar in shared/timeline/api.ts), with the socket's token. */
import * as Y from 'yjs';
import {
  SEQ_HEADER,
  type AttributionResponse,
  type EventsResponse,
  type RestoreResponse,
  type TimelineError,
  type TimelineVersion,
  type VersionsResponse,
} from '../../shared/timeline/api.js';
import type { TokenManager } from '../session/tokens.js';

/** A point of the timeline: a log position, or a stored version (which also has a position). */
export type TimelinePoint = { kind: 'seq'; seq: number } | { kind: 'version'; versionId: number; seq: number };

export class TimelineHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** What a person reads when a request fails: the server's words for refusals, a plain fallback otherwise. */
function describe(status: number, body: TimelineError | null): string {
  if (status === 401) return 'Your session expired. Reload the page to sign in again.';
  if (status === 403) return body?.error === 'viewers cannot restore' || body?.error === 'viewers cannot name versions' ? 'This link is view-only.' : 'You do not have access to this document’s history.';
  if (status === 410) return 'That point is older than the history this server keeps.';
  if (body?.error) return body.error.charAt(0).toUpperCase() + body.error.slice(1) + '.';
  return 'The server could not answer. Try again in a moment.';
}

export class TimelineApi {
  constructor(
    private readonly docName: string,
    /** Only the current token is needed, so a session's tokens do as well as the page's manager. */
    private readonly tokens: Pick<TokenManager, 'current'>,
  ) {}

  async token(): Promise<string> {
    return (await this.tokens.current()).token;
  }

  events(before: number | null, limit = 200): Promise<EventsResponse> {
    const query = new URLSearchParams({ limit: String(limit) });
    if (before !== null) query.set('before', String(before));
    return this.json<EventsResponse>(`events?${query.toString()}`);
  }

  versions(): Promise<VersionsResponse> {
    return this.json<VersionsResponse>('versions');
  }

  nameVersion(name: string): Promise<TimelineVersion> {
    return this.json<TimelineVersion>('versions', { method: 'POST', body: JSON.stringify({ name }) });
  }

  restore(point: TimelinePoint): Promise<RestoreResponse> {
    const body = point.kind === 'version' ? { versionId: point.versionId } : { seq: point.seq };
    return this.json<RestoreResponse>('restore', { method: 'POST', body: JSON.stringify(body) });
  }

  attribution(from: number, to: number): Promise<AttributionResponse> {
    return this.json<AttributionResponse>(`attribution?from=${from}&to=${to}`);
  }

  /** The document at a point, as a full-state Yjs update (V1) and the log position it represents. */
  async state(point: TimelinePoint, signal?: AbortSignal): Promise<{ update: Uint8Array; seq: number }> {
    const query = point.kind === 'version' ? `version=${point.versionId}` : `at=${point.seq}`;
    const response = await this.request(`state?${query}`, { signal });
    return { update: new Uint8Array(await response.arrayBuffer()), seq: Number(response.headers.get(SEQ_HEADER) ?? point.seq) };
  }

  private async json<T>(path: string, init: RequestInit = {}): Promise<T> {
    return (await (await this.request(path, init)).json()) as T;
  }

  private async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${await this.token()}`);
    if (init.body !== undefined) headers.set('content-type', 'application/json');
    const response = await fetch(`/api/docs/${encodeURIComponent(this.docName)}/${path}`, { ...init, headers });
    if (!response.ok) {
      const body = (await response.json().catch(() => null)) as TimelineError | null;
      throw new TimelineHttpError(response.status, describe(response.status, body));
    }
    return response;
  }
}

/** y-tiptap's snapshot renderer reads V2 updates. */
export function toV2(update: Uint8Array): Uint8Array {
  return Y.convertUpdateFormatV1ToV2(update);
}
