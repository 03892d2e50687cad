/** Document names: 1–128 chars of A-Z a-z 0-9 - _ . , not starting with '.' (no hidden files, no '..'). */
export const DOC_NAME_PATTERN = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

export function isValidDocName(name: string): boolean {
  return DOC_NAME_PATTERN.test(name);
}

/** A readable random name for a new document, e.g. `swift-otter-4821`. */
export function randomDocName(random: () => number = Math.random): string {
  const adjectives = ['amber', 'brisk', 'calm', 'deep', 'eager', 'fair', 'gentle', 'keen', 'lucid', 'merry', 'noble', 'quiet', 'swift', 'vivid'];
  const nouns = ['otter', 'falcon', 'maple', 'harbor', 'comet', 'meadow', 'lantern', 'river', 'summit', 'willow', 'ember', 'orchid'];
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  return `${pick(adjectives)}-${pick(nouns)}-${Math.floor(random() * 9000) + 1000}`;
}
