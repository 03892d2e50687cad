/**
 * This tab's caret is published after the keystroke's paint: the caret plugin's view `update` runs once
 * per frame (after it), at the latest AFTER_PAINT_LATEST_MS later in a tab that paints no frames, at once
 * for a remote change, and never after the view is gone.
 */
import { Plugin, type EditorState, type PluginView } from '@tiptap/pm/state';
import type { EditorView } from '@tiptap/pm/view';
import { ySyncPluginKey } from '@tiptap/y-tiptap';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AFTER_PAINT_LATEST_MS } from '../../client/presence/afterNextPaint.js';
import { withDeferredUpdates } from '../../client/presence/deferredCaretPublish.js';

/** Animation frames run only when the test says a frame happens. */
let frames: Array<() => void> = [];
function paintFrame(): void {
  const due = frames;
  frames = [];
  for (const callback of due) callback();
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  frames = [];
  vi.stubGlobal('requestAnimationFrame', (callback: () => void) => frames.push(callback));
  vi.stubGlobal('cancelAnimationFrame', (id: number) => {
    frames[id - 1] = () => undefined;
  });
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

/** A stand-in editor state: the sync plugin's state says whether the transaction was a remote one. */
const state = (label: string, remote = false): EditorState => ({ label, [(ySyncPluginKey as unknown as { key: string }).key]: { isChangeOrigin: remote } }) as unknown as EditorState;

function setup() {
  const calls: Array<{ prev: string; now: string }> = [];
  const destroyed = vi.fn();
  const view = { isDestroyed: false, state: state('s0') } as unknown as EditorView & { state: EditorState; isDestroyed: boolean };
  const inner = new Plugin({
    view: (): PluginView => ({
      update: (updated, prevState) => calls.push({ prev: (prevState as unknown as { label: string }).label, now: (updated.state as unknown as { label: string }).label }),
      destroy: destroyed,
    }),
  });
  const pluginView = withDeferredUpdates(inner).spec.view?.(view) as PluginView;
  const transaction = (label: string, remote = false): void => {
    const prev = view.state;
    view.state = state(label, remote);
    pluginView.update?.(view, prev);
  };
  return { calls, destroyed, view, pluginView, transaction };
}

describe('withDeferredUpdates (the local caret is published after the paint)', () => {
  it('passes local transactions on once, after the next frame has been painted', () => {
    const { calls, transaction } = setup();
    transaction('s1');
    transaction('s2');
    transaction('s3');
    expect(calls).toEqual([]);
    paintFrame();
    // Still inside the frame: the task queued from it runs after the paint.
    expect(calls).toEqual([]);
    vi.advanceTimersByTime(0);
    // One update, against the state before the first of them, seeing the latest state.
    expect(calls).toEqual([{ prev: 's0', now: 's3' }]);
    vi.advanceTimersByTime(AFTER_PAINT_LATEST_MS);
    expect(calls).toHaveLength(1);
  });

  it('publishes anyway after AFTER_PAINT_LATEST_MS when no frame comes (a hidden tab)', () => {
    const { calls, transaction } = setup();
    transaction('s1');
    vi.advanceTimersByTime(AFTER_PAINT_LATEST_MS - 1);
    expect(calls).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(calls).toEqual([{ prev: 's0', now: 's1' }]);
    paintFrame();
    vi.advanceTimersByTime(AFTER_PAINT_LATEST_MS);
    expect(calls).toHaveLength(1);
  });

  it('passes a remote change on at once, with the local ones before it', () => {
    const { calls, transaction } = setup();
    transaction('s1');
    transaction('remote', true);
    expect(calls).toEqual([{ prev: 's0', now: 'remote' }]);
    paintFrame();
    vi.advanceTimersByTime(AFTER_PAINT_LATEST_MS);
    expect(calls).toHaveLength(1);
  });

  it('drops what is pending when the view is destroyed', () => {
    const { calls, destroyed, pluginView, transaction } = setup();
    transaction('s1');
    pluginView.destroy?.();
    expect(destroyed).toHaveBeenCalledOnce();
    paintFrame();
    vi.advanceTimersByTime(AFTER_PAINT_LATEST_MS);
    expect(calls).toEqual([]);
  });
});
