/**
 * Generalisers: each turns the volatile parts of a value (what differs between two runs of the same
 * known-good activity) into wildcards, so one filter entry covers every run. A value is worked on as a
 * list of literal text and wildcard parts, and written as a Sigma string with escapes only where needed.
 */
export type Part = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'any'; /** What the volatile part may be, as a regular expression (RE2). */ readonly re: string };
export type Pattern = readonly Part[];

export interface Generaliser {
  readonly name: string;
  /** What it replaces, in words (the README's table is made from these). */
  readonly description: string;
  readonly re: RegExp;
  /** What a replaced part may be in another run, as a regular expression: the filter allows only that there. */
  readonly wildcard: string;
  /** Which part of a match becomes the wildcard: the whole match by default, or only capture group 1. */
  readonly group?: 1;
}

/**
 * In order: each runs over the literal text the previous ones left. Case-insensitive; the wildcard part
 * of a match never spans a path separator, so a generalised path keeps its folders.
 */
export const GENERALISERS: readonly Generaliser[] = [
  {
    name: 'guid',
    description: 'GUIDs, with or without braces: {3F2504E0-4F89-41D3-9A0C-0305E82C3301}',
    re: /\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?/gi,
    wildcard: '\\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\\}?',
  },
  {
    name: 'user-path',
    description: 'the user name in a profile path: C:\\Users\\alice\\ -> C:\\Users\\*\\ (also Documents and Settings)',
    re: /\\(?:users|documents and settings)\\([^\\"'\s*?]+)(?=\\)/dgi,
    wildcard: '[^\\\\]+',
    group: 1,
  },
  {
    name: 'temp-name',
    description: 'the random part of names made by installers and runtimes: tmp4A3F.tmp -> tmp*.tmp, ~DF12AB.TMP -> ~DF*.TMP, _MEI81562 -> _MEI*; whole random 8.3 folder names (x4f5ab2c.0ab), runs of 12+ hex digits or 16+ mixed letters and digits',
    re: /(?<=(?<![\w~])tmp)[0-9a-f]{1,8}(?=\.tmp\b|(?![\w.]))|(?<=~df)[0-9a-f]{2,8}(?=\.tmp\b)|(?<=_mei)\d{3,}\b|(?<![\w.])[0-9a-z]{8}\.[0-9a-z]{3}(?=\\)|\b[0-9a-f]{12,}\b|\b(?=[a-z0-9]*\d)(?=[a-z0-9]*[a-z])[a-z0-9]{16,}\b/gi,
    wildcard: '[0-9a-z.]+',
  },
  {
    name: 'number',
    description: 'numbers standing alone (process ids, ports given as arguments, counters, hex 0x1F4): -p 4312 -> -p *; digits inside a word (Office16, x64) stay',
    re: /(?<![\w.])(?:0x[0-9a-f]+|\d+)(?![\w]|\.\d)/gi,
    wildcard: '(?:0x[0-9a-f]+|[0-9]+)',
  },
];

/** Runs every generaliser over a value. */
export function generalise(value: string, generalisers: readonly Generaliser[] = GENERALISERS): Pattern {
  let parts: Part[] = [{ kind: 'text', text: value }];
  for (const g of generalisers) parts = parts.flatMap((p) => (p.kind === 'text' ? applyOne(p.text, g) : [p]));
  return merge(parts);
}

function applyOne(text: string, g: Generaliser): Part[] {
  const out: Part[] = [];
  let at = 0;
  g.re.lastIndex = 0;
  for (const m of text.matchAll(g.re)) {
    const [from, to] = g.group === 1 && m.indices?.[1] !== undefined ? m.indices[1] : [m.index, m.index + m[0].length];
    if (from > at) out.push({ kind: 'text', text: text.slice(at, from) });
    out.push({ kind: 'any', re: g.wildcard });
    at = to;
  }
  if (at < text.length) out.push({ kind: 'text', text: text.slice(at) });
  return out;
}

/** Adjacent texts joined, adjacent wildcards made one. */
function merge(parts: readonly Part[]): Pattern {
  const out: Part[] = [];
  for (const p of parts) {
    const last = out[out.length - 1];
    if (p.kind === 'any' && last?.kind === 'any') out[out.length - 1] = { kind: 'any', re: last.re + p.re };
    else if (p.kind === 'any') out.push(p);
    else if (p.text === '') continue;
    else if (last?.kind === 'text') out[out.length - 1] = { kind: 'text', text: last.text + p.text };
    else out.push(p);
  }
  return out;
}

export const isExact = (p: Pattern) => p.every((x) => x.kind === 'text');

/**
 * A pattern as a Sigma string value: `*` for wildcards; a literal `*` or `?` escaped; a literal backslash
 * doubled only where a single one would escape what follows (before `*`, `?`, `\`, a wildcard, or at the end).
 */
export function toSigmaValue(p: Pattern): string {
  let out = '';
  p.forEach((part, i) => {
    if (part.kind === 'any') {
      out += '*';
      return;
    }
    const nextIsWildcard = p[i + 1]?.kind === 'any';
    const t = part.text;
    for (let k = 0; k < t.length; k++) {
      const c = t[k] as string;
      if (c === '*' || c === '?') out += '\\' + c;
      else if (c === '\\') {
        const next = k + 1 < t.length ? t[k + 1] : nextIsWildcard ? '*' : undefined;
        out += next === undefined || next === '*' || next === '?' || next === '\\' ? '\\\\' : '\\';
      } else out += c;
    }
  });
  return out;
}

/**
 * A generalised value as a filter's test: the value itself when nothing in it varies; else an anchored,
 * case-insensitive regular expression (`re|i`) that allows, where the value varied, only what can vary there
 * (digits for a number, a GUID for a GUID, one folder name for a user's): a Sigma `*` would also let an
 * attacker append arguments to a known-good command line.
 */
export function renderValue(p: Pattern): { readonly modifiers: string; readonly value: string } {
  if (isExact(p)) return { modifiers: '', value: toSigmaValue(p) };
  return { modifiers: '|re|i', value: `^${p.map((x) => (x.kind === 'any' ? x.re : x.text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('')}$` };
}

/** The pattern as text for people: wildcards shown as `*`, nothing escaped. */
export const patternText = (p: Pattern) => p.map((x) => (x.kind === 'any' ? '*' : x.text)).join('');

/** A grouping key: two values with the same key are the same activity (a wildcard is a character no value holds). */
export const patternKey = (p: Pattern) => p.map((x) => (x.kind === 'any' ? '\u0000' : x.text.toLowerCase())).join('');
