/**
 * Someone restored an earlier version: the text under everyone's caret changed at once, so everyone connected
 * is told who did it and which version, with a way back. "Undo" restores the point just before the restore
 * (the server's `restored` message names it); the editor's own undo cannot, since the change was the server's.
 * For the person who restored, Ctrl/Cmd+Z does the same while the banner shows and they have not typed since.
 */
import { useCallback, useEffect, useState } from 'react';
import type { CollabSession, RestoredNotice } from '../session/CollabSession.js';
import { formatPointTime } from '../timeline/format.js';
import { TimelineApi } from '../timeline/timelineApi.js';

type UndoState = { kind: 'idle' } | { kind: 'working' } | { kind: 'failed'; message: string };

export function RestoredBanner({ restored, session, canEdit }: { restored: RestoredNotice; session: CollabSession; canEdit: boolean }) {
  const [undo, setUndo] = useState<UndoState>({ kind: 'idle' });
  const when = restored.fromAt !== null ? formatPointTime(restored.fromAt) : null;
  const version =
    restored.versionName !== null ? `“${restored.versionName}”${when ? ` (${when})` : ''}` : when ? `the version from ${when}` : 'an earlier version';

  const undoRestore = useCallback((): void => {
    setUndo({ kind: 'working' });
    // Undoing an undo is a redo: its banner is an ordinary restore again, with Undo and Ctrl+Z.
    if (!restored.undoesRestore) session.noteUndoRequested(restored.undoSeq);
    new TimelineApi(session.docName, session.tokens).restore({ kind: 'seq', seq: restored.undoSeq }).then(
      // The undo is a restore too: the server tells everyone, and its message replaces this one.
      () => setUndo({ kind: 'idle' }),
      (error: unknown) => setUndo({ kind: 'failed', message: error instanceof Error ? error.message : 'Try again in a moment.' }),
    );
  }, [session, restored.undoSeq, restored.undoesRestore]);

  useUndoShortcut(restored.mine && !restored.undoesRestore && !restored.editedSince && canEdit && undo.kind !== 'working', undoRestore);

  const undoLabel = restored.undoesRestore ? 'Redo' : restored.mine ? 'Undo' : 'Undo restore';
  return (
    <div className="banner banner--notice" role="status" data-testid="restored-banner" data-mine={restored.mine}>
      <span className="banner__text">
        {undo.kind === 'failed' ? (
          <span data-testid="restored-undo-error">Could not undo the restore. {undo.message}</span>
        ) : restored.undoesRestore ? (
          <>You undid the restore.</>
        ) : (
          <>
            {restored.mine ? null : (
              <span aria-hidden="true" style={{ color: restored.byColor }}>
                ●{' '}
              </span>
            )}
            <strong data-testid="restored-by">{restored.mine ? 'You' : restored.byName}</strong> restored {version}.
          </>
        )}
      </span>
      <span className="banner__actions">
        {canEdit && (
          <button type="button" className="button button--small" data-testid="restored-undo" disabled={undo.kind === 'working'} onClick={undoRestore}>
            {undo.kind === 'working' ? 'Undoing…' : undoLabel}
          </button>
        )}
        <button type="button" className="button button--small" data-testid="restored-dismiss" onClick={() => session.dismissRestored(restored.id)}>
          Dismiss
        </button>
      </span>
    </div>
  );
}

/** Ctrl/Cmd+Z while `active`: undo the restore instead of the editor's undo, which has nothing to undo (the
 *  change was the server's). Captured before the editor sees it; text fields keep their own undo. */
function useUndoShortcut(active: boolean, onUndo: () => void): void {
  useEffect(() => {
    if (!active) return;
    const onKeyDown = (event: KeyboardEvent): void => {
      if (!(event.ctrlKey || event.metaKey) || event.shiftKey || event.altKey || event.key.toLowerCase() !== 'z') return;
      const target = event.target;
      if (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement) return;
      event.preventDefault();
      event.stopPropagation();
      onUndo();
    };
    window.addEventListener('keydown', onKeyDown, true);
    return () => window.removeEventListener('keydown', onKeyDown, true);
  }, [active, onUndo]);
}
