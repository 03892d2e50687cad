/** User colours: six-digit hex (the caret extension needs `#rrggbb`), readable on light and dark themes. */
export const USER_COLORS = [
  '#e5484d', '#f76b15', '#d6a100', '#30a46c', '#12a594', '#0090ff',
  '#3e63dd', '#8e4ec6', '#d6409f', '#7c6f64',
] as const;

export const HEX_COLOR_PATTERN = /^#[0-9a-f]{6}$/i;

export function isHexColor(value: unknown): value is string {
  return typeof value === 'string' && HEX_COLOR_PATTERN.test(value);
}

/** A stable colour for a user id, so a user without a chosen colour always looks the same. */
export function colorForId(id: string): string {
  let hash = 0;
  for (let i = 0; i < id.length; i++) hash = (hash * 31 + id.charCodeAt(i)) >>> 0;
  return USER_COLORS[hash % USER_COLORS.length] as string;
}
