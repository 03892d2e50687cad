/** Waiting on events, never on fixed sleeps: re-check a condition whenever something it depends on fires. */

export interface Subscribable {
  on(event: string, listener: (...args: never[]) => void): unknown;
  off(event: string, listener: (...args: never[]) => void): unknown;
}

/**
 * Resolves once `check()` is true, re-checking on every `event` from each source. Rejects after
 * `timeoutMs` with `description` and the last observed value, so a failure says what was missing.
 */
export function waitUntil(
  check: () => boolean,
  sources: ReadonlyArray<readonly [Subscribable, string]>,
  description: string,
  timeoutMs = 10_000,
  describeState: () => unknown = () => undefined,
): Promise<void> {
  if (check()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const listener = (): void => {
      if (!check()) return;
      cleanup();
      resolve();
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${description}; state: ${JSON.stringify(describeState())}`));
    }, timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      for (const [source, event] of sources) source.off(event, listener);
    };
    for (const [source, event] of sources) source.on(event, listener);
  });
}

/** Resolves with the first emission of `event`, or rejects after `timeoutMs`. */
export function nextEvent<T extends unknown[]>(source: Subscribable, event: string, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const listener = (...args: unknown[]): void => {
      clearTimeout(timer);
      source.off(event, listener);
      resolve(args as T);
    };
    const timer = setTimeout(() => {
      source.off(event, listener);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for "${event}"`));
    }, timeoutMs);
    source.on(event, listener);
  });
}
