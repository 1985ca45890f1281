/** A wildcard in a Sigma string: `*` (any run) or `?` (exactly one character). */
export type Wildcard = { readonly wildcard: '*' | '?' };
/** A Sigma string after escape processing: literal text and wildcards. */
export type StrPart = string | Wildcard;

export const STAR: Wildcard = Object.freeze({ wildcard: '*' });
export const ONE: Wildcard = Object.freeze({ wildcard: '?' });

export type CompareOp = 'gt' | 'gte' | 'lt' | 'lte';
export type TimePart = 'minute' | 'hour' | 'day' | 'week' | 'month' | 'year';

/** What a detection item's value tests, once its modifier chain has been applied. */
export type ValuePattern =
  | { readonly kind: 'string'; readonly parts: readonly StrPart[]; readonly cased: boolean }
  | { readonly kind: 'regex'; readonly source: string; readonly flags: string }
  | { readonly kind: 'cidr'; readonly cidr: string }
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'boolean'; readonly value: boolean }
  | { readonly kind: 'null' }
  | { readonly kind: 'compare'; readonly op: CompareOp; readonly value: number }
  | { readonly kind: 'exists'; readonly value: boolean }
  | {
      readonly kind: 'fieldref';
      readonly field: string;
      readonly position: 'exact' | 'contains' | 'startswith' | 'endswith';
      readonly cased: boolean;
    }
  | { readonly kind: 'timepart'; readonly part: TimePart; readonly op: CompareOp | 'eq'; readonly value: number }
  /** `%name%` placeholders left unresolved (only when linting): such a rule cannot be evaluated. */
  | { readonly kind: 'placeholder'; readonly names: readonly string[] }
  /** An OR group from an expanding modifier (windash, base64offset, expand). */
  | { readonly kind: 'anyOf'; readonly alternatives: readonly ValuePattern[] };

export function isWildcard(p: StrPart): p is Wildcard {
  return typeof p !== 'string';
}

/**
 * Sigma's escape rules, exactly as the spec notes §4.2 describe: `\` escapes `*`, `?` and `\`;
 * before any other character it is a literal backslash; a trailing lone `\` is literal.
 */
export function tokenizeSigmaString(text: string): StrPart[] {
  const parts: StrPart[] = [];
  let lit = '';
  let escaped = false;
  for (const ch of text) {
    if (escaped) {
      if (ch === '*' || ch === '?' || ch === '\\') lit += ch;
      else lit += '\\' + ch;
      escaped = false;
    } else if (ch === '\\') {
      escaped = true;
    } else if (ch === '*' || ch === '?') {
      if (lit !== '') parts.push(lit);
      lit = '';
      parts.push(ch === '*' ? STAR : ONE);
    } else {
      lit += ch;
    }
  }
  if (escaped) lit += '\\';
  if (lit !== '') parts.push(lit);
  return parts;
}

/** Renders parts back in Sigma syntax (escaping as needed), for explain output and backends. */
export function renderSigmaString(parts: readonly StrPart[]): string {
  return parts
    .map((p) => (isWildcard(p) ? p.wildcard : p.replace(/([*?])/g, '\\$1').replace(/\\(?=\\|$)/g, '\\\\')))
    .join('');
}

export function hasWildcard(parts: readonly StrPart[]): boolean {
  return parts.some(isWildcard);
}

/** Literal text of parts that hold no wildcard. */
export function literalText(parts: readonly StrPart[]): string {
  return parts.filter((p): p is string => typeof p === 'string').join('');
}
