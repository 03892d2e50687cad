/**
 * The busy-socket backlog's rules (server/transport/updateBacklog.ts) over a socket whose busyness the test
 * sets: nothing is held while the socket keeps up; updates are held while it is busy and released merged on
 * drain; a backlog reaching MAX_HELD_BYTES is released at once, so no single merge grows without bound.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { encodeAwarenessFrame, encodeSyncUpdate } from '../../shared/protocol/frames.js';
import { BUSY_SOCKET_BYTES, MAX_HELD_BYTES, type BusySocket, UpdateBacklog, updateOfFrame } from '../../server/transport/updateBacklog.js';

function socketState(): BusySocket & { busy: boolean; drain(): void } {
  let listeners: Array<() => void> = [];
  return {
    busy: false,
    get bufferedAmount() {
      return this.busy ? BUSY_SOCKET_BYTES + 1 : 0;
    },
    get needsDrain() {
      return this.busy;
    },
    onceDrained(callback) {
      listeners.push(callback);
    },
    drain() {
      this.busy = false;
      const waiting = listeners;
      listeners = [];
      waiting.forEach((callback) => callback());
    },
  };
}

/** `count` update frames of `bytes` characters each, typed by one replica; and the text they make. */
function typing(count: number, bytes: number): { frames: Uint8Array[]; text: string } {
  const doc = new Y.Doc();
  const frames: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => frames.push(encodeSyncUpdate(update)));
  for (let i = 0; i < count; i++) doc.getText('t').insert(doc.getText('t').length, String.fromCharCode(97 + (i % 26)).repeat(bytes));
  return { frames, text: doc.getText('t').toString() };
}

function textOf(frames: Uint8Array[]): string {
  const doc = new Y.Doc();
  for (const frame of frames) Y.applyUpdate(doc, updateOfFrame(frame) as Uint8Array);
  return doc.getText('t').toString();
}

describe('UpdateBacklog', () => {
  it('holds nothing while the socket keeps up, and never holds other frames', () => {
    const socket = socketState();
    const released: Uint8Array[] = [];
    const backlog = new UpdateBacklog(socket, (frame) => released.push(frame));
    const { frames } = typing(3, 1);
    expect(frames.map((frame) => backlog.offer(frame))).toEqual([false, false, false]);
    socket.busy = true;
    expect(backlog.offer(encodeAwarenessFrame(new Uint8Array([0])))).toBe(false);
  });

  it('holds updates while busy and releases them merged, in one frame, on drain', () => {
    const socket = socketState();
    const released: Array<{ frame: Uint8Array; count: number }> = [];
    const backlog = new UpdateBacklog(socket, (frame, count) => released.push({ frame, count }));
    const { frames, text } = typing(200, 1);
    socket.busy = true;
    expect(frames.every((frame) => backlog.offer(frame))).toBe(true);
    expect(released).toHaveLength(0);
    socket.drain();
    expect(released).toHaveLength(1);
    expect(released[0]!.count).toBe(200);
    expect(textOf(released.map((entry) => entry.frame))).toBe(text);
    expect(backlog.heldBytes).toBe(0);
  });

  it(`releases at once when ${MAX_HELD_BYTES} bytes are held, then holds again until the drain`, () => {
    const socket = socketState();
    const released: Array<{ frame: Uint8Array; count: number }> = [];
    const backlog = new UpdateBacklog(socket, (frame, count) => released.push({ frame, count }));
    const perUpdate = 64 * 1024;
    const { frames, text } = typing(MAX_HELD_BYTES / perUpdate + 4, perUpdate);
    socket.busy = true;
    frames.forEach((frame) => expect(backlog.offer(frame)).toBe(true));
    expect(released).toHaveLength(1); // the first MAX_HELD_BYTES, still busy
    expect(released[0]!.count).toBe(MAX_HELD_BYTES / perUpdate);
    expect(backlog.heldBytes).toBeGreaterThan(0);
    socket.drain();
    expect(released).toHaveLength(2);
    expect(textOf(released.map((entry) => entry.frame))).toBe(text);
  });
});
