import type { SessionSnapshot } from '../session/CollabSession.js';
import { keepsUnsyncedChange } from '../session/closeMessages.js';
import { connectionText, saveText } from '../session/statusText.js';
import { useNow } from './useNow.js';

export function ConnectionStatus({ snapshot }: { snapshot: SessionSnapshot }) {
  const { connection } = snapshot;
  const counting = connection.kind === 'reconnecting' || (connection.kind === 'offline' && connection.retryAt !== null);
  const now = useNow(500, counting);
  const { text, tone } = connectionText(connection, now);
  return (
    <span className={`status status--${tone}`} data-testid="connection-state" data-state={connection.kind} role="status">
      <span className="status__dot" aria-hidden="true" />
      {text}
    </span>
  );
}

export function SaveStatus({ snapshot }: { snapshot: SessionSnapshot }) {
  const pending = snapshot.pendingChanges > 0;
  const { connection } = snapshot;
  const refused = (connection.kind === 'error' && keepsUnsyncedChange(connection.cause)) || (snapshot.access?.changeDropped ?? false);
  return (
    <span
      className={`save-state${pending ? ' save-state--pending' : ''}${refused ? ' save-state--refused' : ''}`}
      data-testid="save-state"
      data-pending={pending ? 'true' : 'false'}
      aria-live="polite"
    >
      {saveText(snapshot)}
    </span>
  );
}
