/**
 * What the sender of a refused update is told. An update that only lacks clocks the server does not have
 * yet (an honest client can send such a thing: a sibling tab's edits it relayed, an update whose
 * predecessor was lost) is answered with the server's sync step 1, so a stock client replies with
 * everything the server is missing; past a few attempts without progress it is treated as hostile. Every
 * other refusal closes the connection with a final code and a reason the person sees; their own replica
 * keeps the edit (IndexedDB), so nothing is lost silently.
 */
import { CloseCode, refusedUpdateReason, type TandemCloseCode } from '../../shared/protocol/closeCodes.js';
import { encodeTandemMessage } from '../../shared/protocol/messages.js';
import type { UpdateRefusal } from '../integrity/updateCheck.js';
import type { RoomPeer } from '../peers/peer.js';

/** Resyncs offered to one connection for updates that could not be integrated, before it is closed.
 *  One resync completes any honest gap (the reply carries the client's whole missing state); three leave
 *  room for a gap that reopens while the first reply is under way. */
export const MAX_RESYNCS_WITHOUT_PROGRESS = 3;

/** RFC 6455 caps a close reason at 123 bytes. */
const MAX_REASON_BYTES = 123;

export type RefusalResponse = { kind: 'resync' } | { kind: 'close'; code: TandemCloseCode; reason: string };

export function respondToRefusal(refusal: UpdateRefusal, resyncsSoFar: number): RefusalResponse {
  switch (refusal.kind) {
    case 'incomplete':
      return resyncsSoFar < MAX_RESYNCS_WITHOUT_PROGRESS
        ? { kind: 'resync' }
        : { kind: 'close', code: CloseCode.badRequest, reason: refusedUpdateReason('it depends on changes nobody sent') };
    case 'foreignClient':
      return { kind: 'close', code: CloseCode.forbidden, reason: refusedUpdateReason("written under another user's client id") };
    case 'schema':
      return { kind: 'close', code: CloseCode.badRequest, reason: truncate(refusedUpdateReason(refusal.detail)) };
    case 'malformed':
      return { kind: 'close', code: CloseCode.badRequest, reason: refusedUpdateReason('malformed update') };
    default:
      return refusal satisfies never;
  }
}

/** Tells the sender why (a notice first, for clients that opted in) and closes it with a final code. */
export function closeRefused(peer: Pick<RoomPeer, 'optedIn' | 'send' | 'close'>, code: TandemCloseCode, reason: string): void {
  if (peer.optedIn) peer.send(encodeTandemMessage({ kind: 'notice', notice: { type: 'updateRefused', reason } }));
  peer.close(code, reason);
}

/** The metric label of a refusal. */
export function refusalReason(refusal: UpdateRefusal): string {
  return refusal.kind === 'foreignClient' ? 'foreign_client' : refusal.kind;
}

function truncate(reason: string): string {
  const bytes = new TextEncoder().encode(reason);
  if (bytes.length <= MAX_REASON_BYTES) return reason;
  let cut = reason.slice(0, MAX_REASON_BYTES - 1);
  while (new TextEncoder().encode(`${cut}…`).length > MAX_REASON_BYTES) cut = cut.slice(0, -1);
  return `${cut}…`;
}
