import { RE2JS } from 're2js';
import { asRawText } from './coerce.js';
import { problem, type ModifierProblem, type ModifierSpec } from './working-value.js';

const INLINE_FLAGS = /^\(\?([ims]+)\)/;

/**
 * Checks that a pattern can run on our linear-time engine (RE2 syntax: the PCRE subset without
 * backtracking-only features). Returns a problem naming what cannot be run faithfully.
 */
export function checkRegex(source: string, flags: string): ModifierProblem | undefined {
  try {
    RE2JS.compile(source, regexFlagBits(flags));
    return undefined;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const unsupported = /unsupported|invalid escape sequence: `\\[1-9]`|invalid named capture/.test(message);
    if (unsupported) {
      return problem(
        'regex-unsupported',
        `regular expression uses a construct that cannot run in linear time (lookaround, backreference or similar): ${message}`,
      );
    }
    return problem('regex-invalid', `invalid regular expression: ${message}`);
  }
}

export function regexFlagBits(flags: string): number {
  let bits = 0;
  if (flags.includes('i')) bits |= RE2JS.CASE_INSENSITIVE;
  if (flags.includes('m')) bits |= RE2JS.MULTILINE;
  if (flags.includes('s')) bits |= RE2JS.DOTALL;
  return bits;
}

/** Splits a leading PCRE inline flag group `(?i)` off a pattern (deprecated in Sigma 2.2, still used). */
export function splitInlineFlags(source: string): { source: string; flags: string } {
  const m = INLINE_FLAGS.exec(source);
  if (m === null) return { source, flags: '' };
  return { source: source.slice(m[0].length), flags: m[1] ?? '' };
}

/** The value is a regular expression, searched (not anchored), case-sensitive unless `i`. */
export const re: ModifierSpec = {
  mustBeFirst: true,
  apply(value) {
    const text = asRawText(value, 're');
    if (typeof text !== 'string') return text;
    const { source, flags } = splitInlineFlags(text);
    const bad = checkRegex(source, flags);
    if (bad !== undefined) return bad;
    return { kind: 'final', pattern: { kind: 'regex', source, flags } };
  },
};

function regexFlag(flag: 'i' | 'm' | 's'): ModifierSpec {
  return {
    onlyAfter: ['re', 'i', 'm', 's', 'ignorecase', 'multiline', 'dotall'],
    apply(value) {
      if (value.kind !== 'final' || value.pattern.kind !== 'regex') {
        return problem('modifier-chain', `modifier '${flag}' is only valid after 're'`);
      }
      const flags = value.pattern.flags.includes(flag) ? value.pattern.flags : value.pattern.flags + flag;
      return { kind: 'final', pattern: { ...value.pattern, flags } };
    },
  };
}

export const i: ModifierSpec = { ...regexFlag('i'), aliases: ['ignorecase'] };
export const m: ModifierSpec = { ...regexFlag('m'), aliases: ['multiline'] };
export const s: ModifierSpec = { ...regexFlag('s'), aliases: ['dotall'] };
