import { isWildcard, type StrPart } from '../../modifiers/value-pattern.js';

/** A LIKE pattern for `ESCAPE '\'`: `*` → `%`, `?` → `_`, and the literal `%`, `_` and `\` escaped. */
export function likePattern(parts: readonly StrPart[]): string {
  return parts.map((p) => (isWildcard(p) ? (p.wildcard === '*' ? '%' : '_') : p.replace(/[\\%_]/g, '\\$&'))).join('');
}

/** A SQLite GLOB pattern: `*` and `?` as they are, the literal `*`, `?` and `[` as one-character classes. */
export function globPattern(parts: readonly StrPart[]): string {
  return parts.map((p) => (isWildcard(p) ? p.wildcard : p.replace(/[*?[]/g, '[$&]'))).join('');
}
