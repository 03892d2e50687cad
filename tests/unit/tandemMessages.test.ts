/** The Tandem channel's version, as a client asks for it in the socket URL (`tandem=1&tandemVersion=<n>`). */
import { describe, expect, it } from 'vitest';
import { TANDEM_CHANNEL_VERSION, tandemVersionOf } from '../../shared/protocol/messages.js';

const of = (query: string) => tandemVersionOf(new URLSearchParams(query));

describe('tandemVersionOf', () => {
  it('reads a bare `tandem` and `tandem=1` as version 1, so older clients keep working', () => {
    expect(of('tandem')).toBe(1);
    expect(of('tandem=1')).toBe(1);
  });

  it('reads the version beside the opt-in, which stays `tandem=1` so servers from before versioning opt the client in', () => {
    expect(TANDEM_CHANNEL_VERSION).toBe(2);
    expect(of('tandem=1&tandemVersion=2')).toBe(2);
    expect(of('tandem=2')).toBe(2);
  });

  it('serves a version newer than ours as ours', () => {
    expect(of('tandem=1&tandemVersion=3')).toBe(TANDEM_CHANNEL_VERSION);
    expect(of('tandem=999999999')).toBe(TANDEM_CHANNEL_VERSION);
  });

  it('reads a version it cannot parse as 1, and is no opt-in without the opt-in', () => {
    expect(of('tandem=1&tandemVersion=yes')).toBe(1);
    expect(of('tandemVersion=2')).toBeNull();
    for (const value of ['0', '01', '-1', '1.5', 'yes', ' 2', '1e3', '9999999999']) expect(of(`tandem=${encodeURIComponent(value)}`), value).toBeNull();
  });
});
