/** What a person reads when the server refuses a document for good, with what to do next. */
import { ACCESS_REVOKED_REASON, CloseCode, QUOTA_EXCEEDED_REASON, REFUSED_UPDATE_REASON_PREFIX, SESSION_ENDED_REASON } from '../../shared/protocol/closeCodes.js';
import { assertNever } from '../../shared/protocol/messages.js';

/**
 * Why the server stopped us:
 *   - changeRefused: it refused one of our updates (schema, identity): the change is still in this
 *     replica and IndexedDB, so every reconnect would send it again;
 *   - quotaExceeded: our latest edits would take the document past its storage quota;
 *   - accessRevoked: we were in, and our access ended (removed, link reset, document deleted);
 *   - notFound: no such document for us (the server answers the same for one we may not see);
 *   - signedOut: the session behind our token ended (signed out everywhere, password changed);
 *   - sessionRefused: anything else (bad link, no access, sign-in failing): nothing of ours was refused.
 */
export type StopCause = 'changeRefused' | 'quotaExceeded' | 'accessRevoked' | 'notFound' | 'signedOut' | 'sessionRefused';

export function stopCause(code: number, reason: string): StopCause {
  if (reason === QUOTA_EXCEEDED_REASON) return 'quotaExceeded';
  if (isRefusedUpdateReason(reason)) return 'changeRefused';
  if (code === CloseCode.forbidden && reason === ACCESS_REVOKED_REASON) return 'accessRevoked';
  if (code === CloseCode.unauthenticated && reason === SESSION_ENDED_REASON) return 'signedOut';
  return 'sessionRefused';
}

/** The server's words for an update it refused and is about to close us for (it says so in a notice first). */
export function isRefusedUpdateReason(reason: string): boolean {
  return reason.startsWith(REFUSED_UPDATE_REASON_PREFIX);
}

/**
 * Whether an `updateRefused` notice only announces the close that follows it (a refused update, the storage
 * quota): the stop banner says it then, so a notice too would say it twice. Other refusals (a lock undid
 * part of a change) keep the connection and are notices of their own.
 */
export function announcesClose(reason: string): boolean {
  return isRefusedUpdateReason(reason) || reason === QUOTA_EXCEEDED_REASON;
}

/** True when something of ours is still only on this device: the person may copy it, then discard it. */
export function keepsUnsyncedChange(cause: StopCause): boolean {
  switch (cause) {
    case 'changeRefused':
    case 'quotaExceeded':
      return true;
    case 'accessRevoked':
    case 'notFound':
    case 'signedOut':
    case 'sessionRefused':
      return false;
    default:
      return assertNever(cause);
  }
}

export function stopMessage(code: number, reason = '', cause: StopCause = stopCause(code, reason)): string {
  switch (cause) {
    case 'changeRefused':
      return `The server didn't accept your last change${refusedBecause(code)}. Your text is still on this device: copy it, then discard the unsynced change to keep editing.`;
    case 'quotaExceeded':
      return 'This document is full: it reached its storage limit. Your latest edits are kept on this device; ask the owner to free space in the timeline.';
    case 'accessRevoked':
      return 'You no longer have access to this document.';
    case 'notFound':
      return "Document not found, or you don't have access to it.";
    case 'signedOut':
      return 'You were signed out. Sign in again to keep working.';
    case 'sessionRefused':
      return sessionMessage(code);
    default:
      return assertNever(cause);
  }
}

function refusedBecause(code: number): string {
  switch (code) {
    case CloseCode.badRequest:
      return ' (it would have broken the document)';
    case CloseCode.forbidden:
      return " (it was marked as another person's edit)";
    default:
      return '';
  }
}

function sessionMessage(code: number): string {
  switch (code) {
    case CloseCode.badRequest:
      return 'This link is not valid. Check the address, or go back to your documents.';
    case CloseCode.forbidden:
      return "You don't have access to this document. Ask its owner to share it with you again.";
    case CloseCode.tooLarge:
      return 'This document is too large to open. Your recent edits are still saved on this device.';
    case CloseCode.unauthenticated:
      return "We couldn't sign you in. Reload the page to try again.";
    default:
      return `The server closed this document (code ${code}). Reload the page to try again.`;
  }
}
