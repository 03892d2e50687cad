/** Shared protocol pieces: close-code reactions, doc names, the tandem and awareness codecs. */
import * as decoding from 'lib0/decoding';
import { describe, expect, it } from 'vitest';
import { decodeAwarenessUpdate, encodeAwarenessUpdate } from '../../shared/protocol/awarenessWire.js';
import { CloseCode, closeReaction } from '../../shared/protocol/closeCodes.js';
import { decodeTandemBody, encodeTandemMessage, type TandemMessage } from '../../shared/protocol/messages.js';
import { isValidDocName, randomDocName } from '../../shared/docName.js';
import { decodeFrame } from '../../server/room/decodeFrame.js';

describe('closeReaction', () => {
  it('re-authenticates on 4401, stops on other 44xx, retries the rest', () => {
    expect(closeReaction(CloseCode.unauthenticated)).toBe('reauthenticate');
    for (const code of [CloseCode.badRequest, CloseCode.forbidden, CloseCode.tooLarge]) expect(closeReaction(code)).toBe('stop');
    for (const code of [CloseCode.unavailable, CloseCode.rateLimited, 1000, 1006, 1009]) expect(closeReaction(code)).toBe('retry');
  });
});

describe('doc names', () => {
  it('accepts the contract’s alphabet and refuses everything else', () => {
    for (const ok of ['a', 'Quarterly-plan_2026.v2', 'x'.repeat(128), '-dash']) expect(isValidDocName(ok), ok).toBe(true);
    for (const bad of ['', '.hidden', '..', 'a/b', 'a b', 'x'.repeat(129), 'ümlaut', 'a?b']) expect(isValidDocName(bad), bad).toBe(false);
  });
  it('generates valid random names', () => {
    let i = 0;
    const values = [0.1, 0.5, 0.9, 0.3];
    expect(isValidDocName(randomDocName(() => values[i++ % values.length] as number))).toBe(true);
  });
});

describe('tandem messages', () => {
  const samples: TandemMessage[] = [
    { kind: 'flushRequest', nonce: 0 },
    { kind: 'flushed', nonce: 123456 },
    { kind: 'notice', notice: { type: 'readOnly', reason: 'view only' } },
  ];
  for (const message of samples) {
    it(`round-trips ${message.kind}`, () => {
      const decoder = decoding.createDecoder(encodeTandemMessage(message));
      decoding.readVarUint(decoder);
      expect(decodeTandemBody(decoder)).toEqual({ ok: true, value: message });
    });
  }
  it('decodes a kind it does not know as unknown (a newer peer), whatever follows it', () => {
    expect(decodeTandemBody(decoding.createDecoder(Uint8Array.from([9])))).toEqual({ ok: true, value: { kind: 'unknown', code: 9 } });
    expect(decodeTandemBody(decoding.createDecoder(Uint8Array.from([77, 1, 2, 3])))).toEqual({ ok: true, value: { kind: 'unknown', code: 77 } });
  });
  it('refuses truncated, malformed and over-long known kinds', () => {
    for (const body of [[], [0], [0, 1, 7], [2, 3, 1, 2, 3]]) {
      expect(decodeTandemBody(decoding.createDecoder(Uint8Array.from(body))).ok, String(body)).toBe(false);
    }
  });
});

describe('awareness codec', () => {
  it('round-trips entries and refuses malformed input', () => {
    const entries = [
      { clientId: 1, clock: 2, state: { user: { name: 'A' } } },
      { clientId: 3, clock: 4, state: null },
    ];
    expect(decodeAwarenessUpdate(encodeAwarenessUpdate(entries))).toEqual({ ok: true, value: entries });
    expect(decodeAwarenessUpdate(Uint8Array.of(1, 1, 1, 1, 91)).ok).toBe(false);
    expect(decodeAwarenessUpdate(Uint8Array.of(1, 1, 1, 2, 91, 93)).ok).toBe(false);
    expect(decodeAwarenessUpdate(Uint8Array.of(0, 9)).ok).toBe(false);
  });
});

describe('decodeFrame', () => {
  it('decodes the stock messages', () => {
    expect(decodeFrame(Uint8Array.of(3))).toEqual({ ok: true, value: { type: 'queryAwareness' } });
    expect(decodeFrame(Uint8Array.of(0, 0, 1, 0))).toMatchObject({ ok: true, value: { type: 'syncStep1' } });
    expect(decodeFrame(Uint8Array.of(0, 2, 2, 0, 0))).toMatchObject({ ok: true, value: { type: 'syncUpdate' } });
  });
  it('refuses the server-to-client auth message and garbage', () => {
    expect(decodeFrame(Uint8Array.of(2, 0, 0)).ok).toBe(false);
    expect(decodeFrame(new Uint8Array()).ok).toBe(false);
    expect(decodeFrame(Uint8Array.of(0, 0, 5, 1)).ok).toBe(false);
  });
});
