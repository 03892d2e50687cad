/** "Following Ada · Stop": shown while follow mode runs, with a thin frame in their colour around the page. */
import type { CSSProperties } from 'react';
import { readableTextColor } from '../../shared/presence/display.js';
import { FOLLOW_CONTROL_ATTRIBUTE } from './followMode.js';
import type { PresenceRuntime } from './PresenceRuntime.js';
import { usePresenceSnapshot } from './usePresence.js';
import './presence.css';

export function FollowChip({ presence }: { presence: PresenceRuntime }) {
  const { following } = usePresenceSnapshot(presence);
  if (!following) return null;
  const style = { '--user-color': following.color, '--user-text': readableTextColor(following.color) } as CSSProperties;
  const waiting = following.tabs.every((tab) => tab.state.cursor === null);
  return (
    <>
      <div className="follow-frame" style={style} aria-hidden="true" />
      <div className="follow-chip" style={style} data-testid="follow-chip" role="status" {...{ [FOLLOW_CONTROL_ATTRIBUTE]: '' }}>
        <span>
          Following <strong>{following.name}</strong>
          {waiting && <span className="follow-chip__hint"> · not in the text right now</span>}
        </span>
        <button type="button" className="follow-chip__stop" data-testid="follow-stop" onClick={() => presence.stopFollowing()}>
          Stop
        </button>
      </div>
    </>
  );
}
