/**
 * Who this tab writes as: a display name and a colour. They come from the server (the signed-in account,
 * a guest's name, or a host application's token), which also stamps them into awareness; the client only
 * shows them.
 */
import { MAX_DISPLAY_NAME_LENGTH, type Identity as ServerIdentity } from '../../shared/auth.js';

/** The part of the server's identity a tab shows as its own. */
export type Identity = Pick<ServerIdentity, 'name' | 'color'>;

const ADJECTIVES = ['Curious', 'Gentle', 'Bright', 'Quiet', 'Clever', 'Brave', 'Sunny', 'Calm', 'Witty', 'Keen'];
const ANIMALS = ['Heron', 'Otter', 'Fox', 'Badger', 'Wren', 'Lynx', 'Panda', 'Owl', 'Seal', 'Finch'];

/** A friendly name to start from, for a guest joining from a link. */
export function randomDisplayName(random: () => number = Math.random): string {
  const pick = (list: readonly string[]): string => list[Math.floor(random() * list.length)] ?? list[0] ?? '';
  return `${pick(ADJECTIVES)} ${pick(ANIMALS)}`;
}

/** Trims and bounds a name the person typed; null when nothing usable is left. */
export function cleanDisplayName(raw: string): string | null {
  const name = raw.trim().replace(/\s+/g, ' ').slice(0, MAX_DISPLAY_NAME_LENGTH);
  return name.length > 0 ? name : null;
}

/** One or two letters for an avatar. */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0]?.[0], words[words.length - 1]?.[0]] : [name[0], name[1]];
  return letters.filter(Boolean).join('').toUpperCase();
}
