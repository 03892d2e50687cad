/** What a person reads when the server stops a document, and the save status beside it: pure, so tested without a browser. */
import { describe, expect, it } from 'vitest';
import { CloseCode, QUOTA_EXCEEDED_REASON } from '../../shared/protocol/closeCodes.js';
import { announcesClose, keepsUnsyncedChange, stopCause, stopMessage } from '../../client/session/closeMessages.js';
import type { SessionSnapshot } from '../../client/session/CollabSession.js';
import type { ConnectionState } from '../../client/session/connectionMachine.js';
import { saveText } from '../../client/session/statusText.js';

describe('stopMessage and stopCause', () => {
  it('tells a refused change from a refused link, though both close with 4400', () => {
    const reason = 'update refused: text at the top level';
    expect(stopCause(CloseCode.badRequest, reason)).toBe('changeRefused');
    expect(stopMessage(CloseCode.badRequest, reason)).toBe(
      "The server didn't accept your last change (it would have broken the document). Your text is still on this device: copy it, then discard the unsynced change to keep editing.",
    );
    expect(stopCause(CloseCode.badRequest, 'bad request')).toBe('sessionRefused');
    expect(stopMessage(CloseCode.badRequest, 'bad request')).toBe('This link is not valid. Check the address, or go back to your documents.');
  });

  it('tells a change written under another user’s clientID from lost access, though both close with 4403', () => {
    const reason = "update refused: written under another user's client id";
    expect(stopCause(CloseCode.forbidden, reason)).toBe('changeRefused');
    expect(stopMessage(CloseCode.forbidden, reason)).toMatch(/^The server didn't accept your last change \(it was marked as another person's edit\)\. Your text is still on this device/);
    expect(stopCause(CloseCode.forbidden, 'forbidden')).toBe('sessionRefused');
    expect(stopMessage(CloseCode.forbidden, 'forbidden')).toBe("You don't have access to this document. Ask its owner to share it with you again.");
  });

  it('says a full document is full, and a document too large to open is that', () => {
    expect(stopCause(CloseCode.tooLarge, 'document storage quota exceeded')).toBe('quotaExceeded');
    expect(stopMessage(CloseCode.tooLarge, 'document storage quota exceeded')).toBe(
      'This document is full: it reached its storage limit. Your latest edits are kept on this device; ask the owner to free space in the timeline.',
    );
    expect(stopCause(CloseCode.tooLarge, 'too large')).toBe('sessionRefused');
    expect(stopMessage(CloseCode.tooLarge, 'too large')).toBe('This document is too large to open. Your recent edits are still saved on this device.');
  });

  it('keeps the other codes’ messages, with or without a reason', () => {
    expect(stopMessage(CloseCode.unauthenticated)).toBe("We couldn't sign you in. Reload the page to try again.");
    expect(stopMessage(4499, 'whatever')).toBe('The server closed this document (code 4499). Reload the page to try again.');
    expect(stopMessage(4499, 'update refused: something new')).toMatch(/^The server didn't accept your last change\. Your text is still on this device/);
  });

  it('offers recovery exactly when something of ours is only on this device', () => {
    expect(keepsUnsyncedChange('changeRefused')).toBe(true);
    expect(keepsUnsyncedChange('quotaExceeded')).toBe(true);
    expect(keepsUnsyncedChange('sessionRefused')).toBe(false);
  });
});

describe('announcesClose', () => {
  it('a refused update and the storage quota are said once, by the stop banner; a lock revert is a notice of its own', () => {
    expect(announcesClose('update refused: written under another user\'s client id')).toBe(true);
    expect(announcesClose(QUOTA_EXCEEDED_REASON)).toBe(true);
    expect(announcesClose('Part of your change was in a section someone else is editing, and was undone.')).toBe(false);
  });
});

describe('saveText', () => {
  const snapshot = (connection: ConnectionState, pendingChanges: number): SessionSnapshot => ({
    connection,
    pendingChanges,
    storedLocally: true,
    readOnlyReason: null,
    notice: null,
    restored: null,
  });
  const stopped = (cause: 'changeRefused' | 'quotaExceeded' | 'sessionRefused'): ConnectionState => ({ kind: 'error', code: 4400, message: '', cause });

  it('never says "All changes saved" while a change of ours was refused, even with nothing counted pending', () => {
    for (const pending of [0, 1, 5]) {
      expect(saveText(snapshot(stopped('changeRefused'), pending))).toBe('Last change not saved');
      expect(saveText(snapshot(stopped('quotaExceeded'), pending))).toBe('Not saved — document full');
    }
  });

  it('does not claim "All changes saved" before this device\'s copy has loaded (it may hold a refused change)', () => {
    const opening = { ...snapshot({ kind: 'connecting', phase: 'opening' }, 0), storedLocally: false };
    expect(saveText(opening)).toBe('Opening…');
    expect(saveText({ ...opening, storedLocally: true })).toBe('All changes saved');
  });

  it('keeps the usual words for other stops and for a healthy connection', () => {
    expect(saveText(snapshot(stopped('sessionRefused'), 0))).toBe('All changes saved');
    expect(saveText(snapshot({ kind: 'connected' }, 0))).toBe('All changes saved');
    expect(saveText(snapshot({ kind: 'connected' }, 2))).toBe('Saving 2 changes…');
  });
});
