/** The Tandem channel's version, as a client asks for it in the socket URL (`tandem=1&tandemVersion=<n>`), and
 *  the encode/decode pair of the `restored` kind. */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import { decodeTandemBody, encodeTandemMessage, MessageType, TANDEM_CHANNEL_VERSION, TandemKind, tandemVersionOf, type TandemRestored } from '../../shared/protocol/messages.js';

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

/** Decodes a whole tandem frame as a receiver does: the type byte first, then the body. */
function decodeFrame(frame: Uint8Array) {
  const decoder = decoding.createDecoder(frame);
  expect(decoding.readVarUint(decoder)).toBe(MessageType.tandem);
  return decodeTandemBody(decoder);
}

/** A `restored` frame whose JSON body is `body`, as a (possibly hostile) server could send it. */
function restoredFrame(body: string): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.tandem);
  encoding.writeVarUint(encoder, TandemKind.restored);
  encoding.writeVarString(encoder, body);
  return encoding.toUint8Array(encoder);
}

describe('the restored kind', () => {
  const restored: TandemRestored = { by: { userId: 'ada', name: 'Ada', color: '#e5484d' }, restoredFrom: 10, fromAt: 1_700_000_000_000, versionName: 'First draft', undoSeq: 42, at: 1_700_000_100_000 };

  it('round-trips, as kind 3, with or without the version time and name', () => {
    const frame = encodeTandemMessage({ kind: 'restored', restored });
    expect(frame[1]).toBe(3);
    expect(decodeFrame(frame)).toEqual({ ok: true, value: { kind: 'restored', restored } });
    const noTime = { ...restored, fromAt: null, versionName: null };
    expect(decodeFrame(encodeTandemMessage({ kind: 'restored', restored: noTime }))).toEqual({ ok: true, value: { kind: 'restored', restored: noTime } });
  });

  it('keeps only the declared fields', () => {
    const decoded = decodeFrame(restoredFrame(JSON.stringify({ ...restored, by: { ...restored.by, admin: true }, extra: 1 })));
    expect(decoded).toEqual({ ok: true, value: { kind: 'restored', restored } });
  });

  it.each([
    ['not JSON', '{'],
    ['not an object', '3'],
    ['no author', JSON.stringify({ ...restored, by: null })],
    ['an author without a name', JSON.stringify({ ...restored, by: { userId: 'ada', color: '#e5484d' } })],
    ['a negative seq', JSON.stringify({ ...restored, undoSeq: -1 })],
    ['a fractional seq', JSON.stringify({ ...restored, restoredFrom: 1.5 })],
    ['a seq as a string', JSON.stringify({ ...restored, undoSeq: '42' })],
    ['a version time that is not a number', JSON.stringify({ ...restored, fromAt: 'yesterday' })],
    ['no restore time', JSON.stringify({ ...restored, at: undefined })],
    ['a version name that is not a string', JSON.stringify({ ...restored, versionName: 7 })],
    ['no version name field', JSON.stringify({ ...restored, versionName: undefined })],
  ])('is a decode error with %s', (_label, body) => {
    expect(decodeFrame(restoredFrame(body))).toEqual({ ok: false, error: 'malformed restored message' });
  });

  it('is a decode error when truncated or followed by trailing bytes', () => {
    const frame = encodeTandemMessage({ kind: 'restored', restored });
    expect(decodeFrame(frame.slice(0, frame.length - 3))).toMatchObject({ ok: false });
    expect(decodeFrame(Uint8Array.of(...frame, 0))).toEqual({ ok: false, error: 'trailing bytes' });
  });

  it('leaves a kind after it unknown and ignored, not an error', () => {
    expect(decodeFrame(Uint8Array.of(MessageType.tandem, 4, 1, 2, 3))).toEqual({ ok: true, value: { kind: 'unknown', code: 4 } });
  });
});
