/**
 * Runs work once the current frame has been painted, for updates a person should see soon but that must
 * not delay the character they just typed (publishing the caret, re-rendering the save status).
 */

/** Run at the latest this long after being asked, for tabs whose animation frames do not run (hidden). */
export const AFTER_PAINT_LATEST_MS = 100;

/** Schedules `run` after the next paint; returns a function that cancels it. */
export function afterNextPaint(run: () => void): () => void {
  let frame: number | null = null;
  let task: ReturnType<typeof setTimeout> | null = null;
  const cancel = (): void => {
    if (frame !== null) cancelAnimationFrame(frame);
    if (task !== null) clearTimeout(task);
    frame = task = null;
  };
  const once = (): void => {
    cancel();
    run();
  };
  // A task queued from an animation frame callback runs after that frame's rendering.
  frame = requestAnimationFrame(() => {
    frame = null;
    if (task !== null) clearTimeout(task);
    task = setTimeout(once, 0);
  });
  task = setTimeout(once, AFTER_PAINT_LATEST_MS);
  return cancel;
}
