/**
 * The one table of WebSocket close codes Tandem uses.
 *
 * It follows the stock y-websocket 3.1 client's rule: 4400–4499 are final (the client emits
 * `closed` and stops retrying), every other code — 4500–4599 included — means "try again later"
 * and is retried with exponential backoff.
 */
export const CloseCode = {
  /** Bad doc name, malformed frame, protocol violation. Final: retrying sends the same bytes. */
  badRequest: 4400,
  /** Missing, invalid or expired token. The app refreshes its token, then reconnects itself. */
  unauthenticated: 4401,
  /** Token is valid but not for this document, or access was revoked. */
  forbidden: 4403,
  /** A frame or the document would exceed its size limit, or the document its storage quota. */
  tooLarge: 4413,
  /** Server shutting down, overloaded, or a storage fault: reconnect (possibly elsewhere). */
  unavailable: 4503,
  /** Message or awareness rate exceeded: back off and reconnect. */
  rateLimited: 4529,
} as const;

export type CloseCodeName = keyof typeof CloseCode;
export type TandemCloseCode = (typeof CloseCode)[CloseCodeName];

/**
 * Close reasons that mean "your own change was refused" (it is still in the sender's replica, so the client
 * offers to copy and discard it). Matched by text because a code alone cannot tell a refused change (4400)
 * from a bad link (4400). Every refusal reason starts with the prefix; the quota's is its own.
 */
export const REFUSED_UPDATE_REASON_PREFIX = 'update refused';
export const QUOTA_EXCEEDED_REASON = 'document storage quota exceeded';
/** The close reason (4403) when someone's access ends while they are connected: removed from the
 *  document, link reset, document deleted, account disabled. The client says "You no longer have access". */
export const ACCESS_REVOKED_REASON = 'access revoked';
/** The close reason (4401) when the session behind a connection ends (signed out everywhere, password changed). */
export const SESSION_ENDED_REASON = 'session ended';

/** The close reason of a refused update: `update refused: <detail>`. */
export function refusedUpdateReason(detail: string): string {
  return `${REFUSED_UPDATE_REASON_PREFIX}: ${detail}`;
}

/** What a client does after a close: the reaction is a pure function of the code. */
export type CloseReaction = 'reauthenticate' | 'stop' | 'retry';

export function closeReaction(code: number): CloseReaction {
  if (code === CloseCode.unauthenticated) return 'reauthenticate';
  // The stock client's own rule: 4400–4499 are deliberate server decisions.
  if (code >= 4400 && code < 4500) return 'stop';
  return 'retry';
}
