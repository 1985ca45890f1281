import { Refusal } from '../dialect.js';
import { regexChar } from './lucene-regex.js';

type Range = readonly [number, number];
const KELVIN = 0x212a;
const LONG_S = 0x17f;
const DIGIT: Range[] = [[0x30, 0x39]];
const WORD: Range[] = [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]];
// RE2's \s: tab, new line, form feed, carriage return, space (no vertical tab).
const SPACE: Range[] = [[0x09, 0x0a], [0x0c, 0x0d], [0x20, 0x20]];
const ESCAPES: Readonly<Record<string, number>> = { t: 9, n: 10, v: 11, f: 12, r: 13, a: 7 };

const refuse = (why: string) => new Refusal('convert-regex', `the regex ${why}, which is not converted to a Lucene regex`);

/**
 * The engine's regex (RE2: a search anywhere in the value, flags i, m, s) as a Lucene RegExp over the whole value:
 * wrapped in `.*(…).*` unless anchored by a leading `^` / trailing `$`; `.` without s is `[^\n]`; `\d \w \s` are
 * RE2's ASCII classes spelt out; under i each letter is its case-folding orbit as RE2 has it (k with the Kelvin sign,
 * s with the long s). What Lucene cannot say or we do not translate is refused: word boundaries, \A \z, anchors
 * elsewhere, inline flags past the start, Unicode classes, case folding of non-ASCII letters.
 */
export function re2ToLucene(source: string, flags: string): string {
  let i = 0;
  let fold = flags.includes('i');
  const dotAll = flags.includes('s');
  const lead = /^\(\?([is]+)\)/.exec(source);
  let dotAllHere = dotAll;
  if (lead !== null) {
    if ((lead[1] as string).includes('i')) fold = true;
    if ((lead[1] as string).includes('s')) dotAllHere = true;
    i = lead[0].length;
  }
  let anchoredStart = false;
  let anchoredEnd = false;
  if (source[i] === '^') {
    anchoredStart = true;
    i++;
  }
  let end = source.length;
  if (end > i && source[end - 1] === '$' && !escapedAt(source, end - 1)) {
    anchoredEnd = true;
    end--;
  }
  if ((anchoredStart || anchoredEnd) && flags.includes('m')) throw refuse('anchors lines (^ or $ with the m flag)');
  const body = withoutEmptyAlternatives(source.slice(i, end));
  if ((anchoredStart || anchoredEnd) && hasTopLevelBar(body)) throw refuse('is anchored and has a top-level alternative');
  const out = translate(body, fold, dotAllHere);
  if (out === '') throw refuse('is empty');
  return `${anchoredStart ? '' : '.*'}(${out})${anchoredEnd ? '' : '.*'}`;
}

/**
 * The pattern with every empty alternative written as an optional group (`(a|)` is `((?:a)?)`, a bare `a|` is
 * `(?:a)?`): Lucene's RegExp takes no empty alternative, and the two match the same text.
 */
export function withoutEmptyAlternatives(src: string): string {
  let i = 0;
  const alternatives = (): string => {
    const branches: string[] = [''];
    while (i < src.length && src[i] !== ')') {
      const c = src[i] as string;
      if (c === '\\') {
        branches[branches.length - 1] += src.slice(i, i + 2);
        i += 2;
      } else if (c === '[') {
        let j = i + 1;
        if (src[j] === '^') j++;
        if (src[j] === ']') j++;
        while (j < src.length && src[j] !== ']') j += src[j] === '\\' ? 2 : 1;
        branches[branches.length - 1] += src.slice(i, j + 1);
        i = j + 1;
      } else if (c === '(') {
        const head = /^\((\?(:|P?<[A-Za-z_][A-Za-z0-9_]*>|[imsU-]+:?))?/.exec(src.slice(i))?.[0] ?? '(';
        i += head.length;
        const inner = alternatives();
        branches[branches.length - 1] += `${head}${inner})`;
        i++;
      } else if (c === '|') {
        branches.push('');
        i++;
      } else {
        branches[branches.length - 1] += c;
        i++;
      }
    }
    const full = branches.filter((b) => b !== '');
    if (full.length === branches.length) return branches.join('|');
    return full.length === 0 ? '' : `(?:${full.join('|')})?`;
  };
  const out = alternatives();
  if (i < src.length) throw refuse("has an unbalanced ')'");
  return out;
}

function escapedAt(s: string, at: number): boolean {
  let n = 0;
  for (let j = at - 1; j >= 0 && s[j] === '\\'; j--) n++;
  return n % 2 === 1;
}

function hasTopLevelBar(body: string): boolean {
  let depth = 0;
  let inClass = false;
  for (let j = 0; j < body.length; j++) {
    const c = body[j];
    if (c === '\\') {
      j++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') {
      inClass = true;
      if (body[j + 1] === '^') j++;
      if (body[j + 1] === ']') j++;
    } else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) return true;
  }
  return false;
}

function translate(src: string, fold: boolean, dotAll: boolean): string {
  let out = '';
  let i = 0;
  const cp = () => src.codePointAt(i) as number;
  while (i < src.length) {
    const c = src[i] as string;
    if (c === '\\') {
      const [text, len] = escape(src, i, fold);
      out += text;
      i += len;
      continue;
    }
    if (c === '[') {
      const [text, len] = charClass(src, i, fold);
      out += text;
      i += len;
      continue;
    }
    if (c === '(') {
      if (src[i + 1] === '?') {
        const m = /^\(\?(:|P?<[A-Za-z_][A-Za-z0-9_]*>)/.exec(src.slice(i));
        if (m === null) throw refuse('sets flags or uses a group kind inside the pattern');
        out += '(';
        i += m[0].length;
        continue;
      }
      out += '(';
      i++;
      continue;
    }
    if (c === ')' || c === '|') {
      out += c;
      i++;
      continue;
    }
    if (c === '*' || c === '+' || c === '?') {
      out += c;
      i++;
      // Lazy or possessive quantifiers match the same values as greedy ones (the match's extent does not count).
      if (src[i] === '?') i++;
      continue;
    }
    if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(src.slice(i));
      if (m === null) {
        // RE2 reads a `{` that opens no repetition as a literal.
        out += regexChar(0x7b);
        i++;
        continue;
      }
      out += m[0];
      i += m[0].length;
      if (src[i] === '?') i++;
      continue;
    }
    if (c === '.') {
      out += dotAll ? '.' : '[^\n]';
      i++;
      continue;
    }
    if (c === '^' || c === '$') throw refuse(`has '${c}' inside the pattern`);
    const code = cp();
    out += literal(code, fold);
    i += code > 0xffff ? 2 : 1;
  }
  return out;
}

/** One literal character; under i its RE2 case-folding orbit. */
function literal(code: number, fold: boolean): string {
  if (!fold) return regexChar(code);
  const ranges = foldRanges([[code, code]]);
  return ranges.length === 1 && (ranges[0] as Range)[0] === (ranges[0] as Range)[1] ? regexChar(code) : classText(ranges, false);
}

function escape(src: string, at: number, fold: boolean): [string, number] {
  const n = src[at + 1];
  if (n === undefined) throw refuse('ends with a backslash');
  if (n === 'd' || n === 'w' || n === 's') return [classText(fold ? foldRanges(set(n)) : set(n), false), 2];
  if (n === 'D' || n === 'W' || n === 'S') return [classText(fold ? foldRanges(set(n.toLowerCase())) : set(n.toLowerCase()), true), 2];
  const [code, len] = escapedCode(src, at);
  return [literal(code, fold), len];
}

function set(n: string): Range[] {
  return n === 'd' ? DIGIT : n === 'w' ? WORD : SPACE;
}

/** The code point a `\`-escape stands for (not a class), and its length. */
function escapedCode(src: string, at: number): [number, number] {
  const n = src[at + 1] as string;
  if (ESCAPES[n] !== undefined) return [ESCAPES[n] as number, 2];
  if (n === 'x') {
    const braced = /^\\x\{([0-9A-Fa-f]{1,6})\}/.exec(src.slice(at));
    if (braced !== null) return [parseInt(braced[1] as string, 16), braced[0].length];
    const two = /^\\x([0-9A-Fa-f]{2})/.exec(src.slice(at));
    if (two !== null) return [parseInt(two[1] as string, 16), 4];
    throw refuse('has a malformed \\x escape');
  }
  if (/[A-Za-z0-9]/.test(n)) throw refuse(`uses \\${n}`);
  return [src.codePointAt(at + 1) as number, n.length + 1];
}

function charClass(src: string, at: number, fold: boolean): [string, number] {
  let i = at + 1;
  let negated = false;
  if (src[i] === '^') {
    negated = true;
    i++;
  }
  const ranges: Range[] = [];
  let first = true;
  while (i < src.length && (src[i] !== ']' || first)) {
    first = false;
    if (src[i] === '[' && src[i + 1] === ':') throw refuse('uses a POSIX class');
    if (src[i] === '\\') {
      const n = src[i + 1];
      if (n === 'd' || n === 'w' || n === 's') {
        ranges.push(...set(n));
        i += 2;
        continue;
      }
      if (n !== undefined && /[DWSpP]/.test(n)) throw refuse(`uses \\${n} inside a class`);
    }
    const [lo, loLen] = classChar(src, i);
    i += loLen;
    if (src[i] === '-' && src[i + 1] !== undefined && src[i + 1] !== ']') {
      const [hi, hiLen] = classChar(src, i + 1);
      i += 1 + hiLen;
      if (hi < lo) throw refuse('has a class range out of order');
      ranges.push([lo, hi]);
    } else ranges.push([lo, lo]);
  }
  if (src[i] !== ']') throw refuse('has an unclosed class');
  if (ranges.length === 0) throw refuse('has an empty class');
  return [classText(fold ? foldRanges(ranges) : ranges, negated), i + 1 - at];
}

/** One character of a class (escaped or not) and its length in the source. */
function classChar(src: string, at: number): [number, number] {
  if (src[at] === '\\') return escapedCode(src, at);
  const code = src.codePointAt(at) as number;
  return [code, code > 0xffff ? 2 : 1];
}

/** RE2's case folding of a set: ASCII letters with their partners, k with K and the Kelvin sign, s with S and the long s. */
function foldRanges(ranges: readonly Range[]): Range[] {
  const cps = new Set<number>();
  for (const [lo, hi] of ranges) {
    if (hi - lo > 0x2000) throw refuse('has a wide class under the i flag');
    for (let c = lo; c <= hi; c++) {
      const ch = String.fromCodePoint(c);
      if (c > 0x7f && c !== KELVIN && c !== LONG_S && (ch.toLowerCase() !== ch || ch.toUpperCase() !== ch)) throw refuse('folds the case of a non-ASCII letter (the i flag)');
      cps.add(c);
    }
  }
  for (const c of [...cps]) {
    if (c >= 0x41 && c <= 0x5a) cps.add(c + 32);
    if (c >= 0x61 && c <= 0x7a) cps.add(c - 32);
    if (c === KELVIN) cps.add(0x6b).add(0x4b);
    if (c === LONG_S) cps.add(0x73).add(0x53);
  }
  if (cps.has(0x6b) || cps.has(0x4b)) cps.add(KELVIN);
  if (cps.has(0x73) || cps.has(0x53)) cps.add(LONG_S);
  const sorted = [...cps].sort((a, b) => a - b);
  const out: Array<[number, number]> = [];
  for (const c of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && last[1] === c - 1) last[1] = c;
    else out.push([c, c]);
  }
  return out;
}

function classText(ranges: readonly Range[], negated: boolean): string {
  const body = ranges.map(([lo, hi]) => (lo === hi ? regexChar(lo) : `${regexChar(lo)}-${regexChar(hi)}`)).join('');
  return `[${negated ? '^' : ''}${body}]`;
}
