/** What a person reads when the server refuses a document for good, with what to do next. */
import { CloseCode } from '../../shared/protocol/closeCodes.js';

export function stopMessage(code: number): string {
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
