/** The Tandem channel's version, as a client asks for it in the socket URL (`tandem=<version>`). */
import { describe, expect, it } from 'vitest';
import { TANDEM_CHANNEL_VERSION, tandemVersionOf } from '../../shared/protocol/messages.js';

describe('tandemVersionOf', () => {
  it('reads a bare `tandem` and `tandem=1` as version 1, so older clients keep working', () => {
    expect(tandemVersionOf('')).toBe(1);
    expect(tandemVersionOf('1')).toBe(1);
  });

  it('reads `tandem=2` as version 2', () => {
    expect(TANDEM_CHANNEL_VERSION).toBe(2);
    expect(tandemVersionOf('2')).toBe(2);
  });

  it('serves a version newer than ours as ours', () => {
    expect(tandemVersionOf('3')).toBe(TANDEM_CHANNEL_VERSION);
    expect(tandemVersionOf('999999999')).toBe(TANDEM_CHANNEL_VERSION);
  });

  it('is no opt-in without the parameter, or with a value that is not a version', () => {
    for (const value of [null, '0', '01', '-1', '1.5', 'yes', ' 2', '1e3', '9999999999']) expect(tandemVersionOf(value), String(value)).toBeNull();
  });
});
