/**
 * What every bench edit types: `<author>@<sentAt>;`, the sender's index and its performance.now() (every
 * client runs in this process, so clocks agree). A receiver counts each token once it arrives and times it.
 * A token is one Yjs item, never split, because every edit inserts at the end of the writer's view.
 */
import type * as Y from 'yjs';

const TOKEN = /(\d+)@([\d.]+);/g;

export function editToken(author: number): string {
  return `${author}@${performance.now().toFixed(3)};`;
}

/** `author` types `count` tokens at the end of `text`, `hz` per second, starting after `startAfterMs`;
 *  resolves after the last. */
export function typeTokens(text: Y.XmlText, author: number, count: number, hz: number, startAfterMs = 0): Promise<void> {
  return new Promise((resolve) => {
    let sent = 0;
    const start = (): void => {
      const timer = setInterval(() => {
        text.insert(text.length, editToken(author));
        if (++sent >= count) {
          clearInterval(timer);
          resolve();
        }
      }, 1000 / hz);
    };
    if (startAfterMs > 0) setTimeout(start, startAfterMs);
    else start();
  });
}

/** Calls `onToken` for every edit token inserted into `text`, with its author, sent time and arrival time. */
export function observeEditTokens(text: Y.XmlText, onToken: (author: number, sentAt: number, now: number) => void): void {
  text.observe((event) => {
    const now = performance.now();
    for (const op of event.delta) {
      if (typeof op.insert !== 'string') continue;
      for (const [, author, sentAt] of op.insert.matchAll(TOKEN)) onToken(Number(author), Number(sentAt), now);
    }
  });
}
