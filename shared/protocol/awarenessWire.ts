/**
 * Decoder/encoder for the y-protocols awareness update body:
 *
 *   awarenessUpdate = varUint(count) { varUint(clientID) varUint(clock) varString(stateJSON) }*count
 *
 * y-protocols decodes this and applies it in one step; the server needs the entries first, to check
 * which connection owns each clientID and to stamp identity, so it decodes here (untrusted input:
 * never throws, requires full consumption) and re-encodes what it accepts.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { DecodeResult } from './messages.js';

export interface AwarenessEntry {
  clientId: number;
  clock: number;
  /** `null` means the client removed its state (it left). */
  state: Record<string, unknown> | null;
}

/** At most this many entries in one update: a relay carries one per peer, and rooms are bounded. */
export const MAX_AWARENESS_ENTRIES = 1024;

export function decodeAwarenessUpdate(bytes: Uint8Array): DecodeResult<AwarenessEntry[]> {
  try {
    const decoder = decoding.createDecoder(bytes);
    const count = decoding.readVarUint(decoder);
    if (count > MAX_AWARENESS_ENTRIES) return { ok: false, error: 'too many awareness entries' };
    const entries: AwarenessEntry[] = [];
    for (let i = 0; i < count; i++) {
      const clientId = decoding.readVarUint(decoder);
      const clock = decoding.readVarUint(decoder);
      const parsed: unknown = JSON.parse(decoding.readVarString(decoder));
      if (parsed !== null && (typeof parsed !== 'object' || Array.isArray(parsed))) {
        return { ok: false, error: 'awareness state must be an object or null' };
      }
      entries.push({ clientId, clock, state: parsed as Record<string, unknown> | null });
    }
    if (decoding.hasContent(decoder)) return { ok: false, error: 'trailing bytes' };
    return { ok: true, value: entries };
  } catch {
    return { ok: false, error: 'malformed awareness update' };
  }
}

export function encodeAwarenessUpdate(entries: readonly AwarenessEntry[]): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, entries.length);
  for (const entry of entries) {
    encoding.writeVarUint(encoder, entry.clientId);
    encoding.writeVarUint(encoder, entry.clock);
    encoding.writeVarString(encoder, JSON.stringify(entry.state));
  }
  return encoding.toUint8Array(encoder);
}

/** What y-protocols' Awareness reports with its `update` and `change` events: the clientIDs by what happened. */
export interface AwarenessChange {
  added: number[];
  updated: number[];
  removed: number[];
}
