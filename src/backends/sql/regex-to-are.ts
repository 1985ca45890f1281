import { Refusal } from '../dialect.js';

const WORD = '0-9A-Za-z_';
const SPACE = '\\t\\n\\f\\r ';
// RE2's \b and \B are ASCII; PostgreSQL's \y follows the locale's letters, so the boundary is spelt with lookaround.
const BOUNDARY = `(?:(?<=[${WORD}])(?![${WORD}])|(?<![${WORD}])(?=[${WORD}]))`;
const NOT_BOUNDARY = `(?:(?<=[${WORD}])(?=[${WORD}])|(?<![${WORD}])(?![${WORD}]))`;
/** PostgreSQL's limit on a bound ({m,n}); RE2 allows up to 1000. */
const DUPMAX = 255;

const refuse = (what: string) => {
  throw new Refusal('convert-regex', `PostgreSQL regular expressions cannot express ${what} as RE2 means it`);
};

/**
 * Translates an RE2 pattern (what the engine runs) into a PostgreSQL ARE that matches the same strings, for a
 * search with `~` / `~*`. What differs is rewritten (`.` without `s` excludes only \n, `\d \w \s` and `\b` are ASCII,
 * `\z`, `\x{…}`, named groups, a literal `{`); what has no exact ARE form is refused (Refusal).
 */
export function regexToAre(source: string, flags: string): { pattern: string; caseInsensitive: boolean } {
  const dotAll = flags.includes('s');
  let out = '';
  let i = 0;
  const n = source.length;
  while (i < n) {
    const c = source[i] as string;
    if (c === '\\') {
      const [text, next] = escape(source, i, false);
      out += text;
      i = next;
    } else if (c === '[') {
      const [text, next] = bracket(source, i);
      out += text;
      i = next;
    } else if (c === '(') {
      if (source.startsWith('(?:', i)) {
        out += '(?:';
        i += 3;
      } else if (source.startsWith('(?P<', i) || source.startsWith('(?<', i)) {
        // Only whether a match exists is asked: a name changes nothing.
        const close = source.indexOf('>', i);
        if (close < 0) refuse('an unterminated group name');
        out += '(';
        i = close + 1;
      } else if (source.startsWith('(?', i)) {
        refuse('inline flags inside the pattern');
      } else {
        out += '(';
        i++;
      }
    } else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i));
      if (m === null) {
        out += '\\{';
        i++;
      } else {
        const hi = m[3] === undefined || m[3] === '' ? Number(m[1]) : Number(m[3]);
        if (Number(m[1]) > DUPMAX || hi > DUPMAX) refuse(`a repetition bound above ${DUPMAX}`);
        out += m[0];
        i += m[0].length;
      }
    } else if (c === '.') {
      out += dotAll ? '.' : '[^\\n]';
      i++;
    } else {
      out += c;
      i++;
    }
  }
  // (?w): ^ and $ also at line breaks, `.` and brackets still match \n (RE2's multi-line mode).
  const prefix = flags.includes('m') ? '(?w)' : '';
  return { pattern: prefix + out, caseInsensitive: flags.includes('i') };
}

/** One escape at i; inside a bracket expression the class escapes lose their brackets. */
function escape(source: string, i: number, inBracket: boolean): [string, number] {
  const e = source[i + 1];
  if (e === undefined) return refuse('a trailing backslash');
  const cls = (body: string, negated: boolean): string => {
    if (!inBracket) return `[${negated ? '^' : ''}${body}]`;
    if (negated) refuse(`a negated class escape \\${e} inside brackets`);
    return body;
  };
  switch (e) {
    case 'd':
      return [cls('0-9', false), i + 2];
    case 'D':
      return [cls('0-9', true), i + 2];
    case 'w':
      return [cls(WORD, false), i + 2];
    case 'W':
      return [cls(WORD, true), i + 2];
    case 's':
      return [cls(SPACE, false), i + 2];
    case 'S':
      return [cls(SPACE, true), i + 2];
    case 'b':
      return inBracket ? refuse('\\b inside brackets') : [BOUNDARY, i + 2];
    case 'B':
      return inBracket ? refuse('\\B inside brackets') : [NOT_BOUNDARY, i + 2];
    case 'A':
      return inBracket ? refuse('\\A inside brackets') : ['\\A', i + 2];
    case 'z':
      return inBracket ? refuse('\\z inside brackets') : ['\\Z', i + 2];
    case 't':
    case 'n':
    case 'r':
    case 'f':
    case 'v':
      return [`\\${e}`, i + 2];
    case 'a':
      return ['\\a', i + 2];
    case 'x': {
      const braced = /^\\x\{([0-9A-Fa-f]{1,8})\}/.exec(source.slice(i));
      const plain = /^\\x([0-9A-Fa-f]{2})/.exec(source.slice(i));
      const m = braced ?? plain;
      if (m === null) return refuse('a malformed \\x escape');
      return [`\\U${(m[1] as string).padStart(8, '0')}`, i + m[0].length];
    }
    default:
      // An escaped punctuation character is itself in both flavours; letters and digits are classes or references.
      if (/[A-Za-z0-9]/.test(e)) return refuse(`the escape \\${e}`);
      return [`\\${e}`, i + 2];
  }
}

/** A bracket expression [...] starting at i. */
function bracket(source: string, i: number): [string, number] {
  let j = i + 1;
  let out = '[';
  if (source[j] === '^') {
    out += '^';
    j++;
  }
  // A ']' first is a literal in both flavours.
  if (source[j] === ']') {
    out += '\\]';
    j++;
  }
  while (j < source.length && source[j] !== ']') {
    const c = source[j] as string;
    if (c === '\\') {
      const [text, next] = escape(source, j, true);
      out += text;
      j = next;
    } else if (c === '[' && source[j + 1] === ':') {
      refuse('a POSIX class (locale-dependent in PostgreSQL)');
    } else if (c === '[') {
      out += '\\[';
      j++;
    } else {
      out += c;
      j++;
    }
  }
  if (j >= source.length) refuse('an unterminated bracket expression');
  return [out + ']', j + 1];
}
