/** How the timeline writes times and changes. */

const DAY_MS = 24 * 60 * 60 * 1000;

/** "14:02" today, "Tuesday 14:02" this week, "3 Mar 14:02" before. */
export function formatPointTime(at: number, now: number = Date.now()): string {
  const date = new Date(at);
  const time = date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  if (new Date(now).toDateString() === date.toDateString()) return `today ${time}`;
  if (now - at < 6 * DAY_MS) return `${date.toLocaleDateString(undefined, { weekday: 'long' })} ${time}`;
  return `${date.toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: now - at > 300 * DAY_MS ? 'numeric' : undefined })} ${time}`;
}

/** "Today", "Yesterday", or the date: the headings the list is grouped under. */
export function dayHeading(at: number, now: number = Date.now()): string {
  const date = new Date(at);
  if (new Date(now).toDateString() === date.toDateString()) return 'Today';
  if (new Date(now - DAY_MS).toDateString() === date.toDateString()) return 'Yesterday';
  return date.toLocaleDateString(undefined, { weekday: 'long', day: 'numeric', month: 'short' });
}

export function initials(name: string | null): string {
  const words = (name ?? '?').trim().split(/\s+/).filter(Boolean);
  return ((words[0]?.[0] ?? '?') + (words.length > 1 ? (words.at(-1)?.[0] ?? '') : '')).toUpperCase();
}
