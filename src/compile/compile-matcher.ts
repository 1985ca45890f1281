import { RE2JS } from 're2js';
import { regexFlagBits } from '../modifiers/re.js';
import { AhoCorasick, LITERAL_CONTAINS, LITERAL_PREFIX, LITERAL_SUFFIX, literalHolds } from './aho-corasick.js';
import { cidrMatcher } from './cidr-matcher.js';
import { fieldSlot, type EventCache } from './event-cache.js';
import { timeOf } from '../event/event-time.js';
import { boolOf, compareNumbers, numberOf, scalarsOf, timePartOf } from './field-values.js';
import { regexLiteral } from './anchor.js';
import { compileGlob } from './glob.js';
import type { MatchNode, ValueTest } from './ir.js';

export type Matcher = (c: EventCache) => boolean;

const TRUE: Matcher = () => true;
const FALSE: Matcher = () => false;

/** Compiles IR into a closure tree; OR groups of equality tests on one field become one Set lookup. */
export function compileMatcher(node: MatchNode): Matcher {
  switch (node.kind) {
    case 'and': {
      const cs = node.children.map(compileMatcher);
      if (cs.length === 2) {
        const [a, b] = cs as [Matcher, Matcher];
        return (c) => a(c) && b(c);
      }
      return (c) => {
        for (const m of cs) if (!m(c)) return false;
        return true;
      };
    }
    case 'or': {
      const merged = mergeEqualities(node.children);
      const cs = merged.map((n) => (typeof n === 'function' ? n : compileMatcher(n)));
      if (cs.length === 1) return cs[0] as Matcher;
      return (c) => {
        for (const m of cs) if (m(c)) return true;
        return false;
      };
    }
    case 'not': {
      const m = compileMatcher(node.child);
      return (c) => !m(c);
    }
    case 'const':
      return node.value ? TRUE : FALSE;
    case 'detection':
    case 'item':
      return compileMatcher(node.child);
    case 'field':
      return compileFieldTest(node.field, node.test);
    case 'keyword': {
      const test = stringPredicate(node.test);
      if (test === undefined) return FALSE;
      const lower = isCaseFolded(node.test);
      return (c) => {
        for (const s of lower ? c.allLower() : c.allStrings()) if (test(s)) return true;
        return false;
      };
    }
    case 'exists': {
      const { field, expected } = node;
      return (c) => (c.value(field) !== undefined) === expected;
    }
    case 'null': {
      const field = node.field;
      return (c) => {
        const v = c.value(field);
        return v === undefined || v === null;
      };
    }
    case 'fieldref': {
      const { field, other, position, cased } = node;
      return (c) => {
        const as = cased ? c.strings(field) : c.lower(field);
        const bs = cased ? c.strings(other) : c.lower(other);
        for (const a of as)
          for (const b of bs) {
            if (position === 'exact' ? a === b : position === 'contains' ? a.includes(b) : position === 'startswith' ? a.startsWith(b) : a.endsWith(b)) return true;
          }
        return false;
      };
    }
    default: {
      const never: never = node;
      return never;
    }
  }
}

/** From this many substring tests on one field, an OR group scans with Aho-Corasick instead of testing each. */
const AUTOMATON_FROM = 6;

/**
 * Folds OR groups on one field: `field == a or field == b ...` (same casing) into one Set lookup, and
 * case-folded `contains`/`startswith`/`endswith` tests into one pass over the field's lower-cased values
 * (one Aho-Corasick scan for large groups), instead of a closure and a cache lookup per test.
 */
function mergeEqualities(children: readonly MatchNode[]): Array<MatchNode | Matcher> {
  const groups = new Map<string, Set<string>>();
  const literals = new Map<string, Array<{ kind: number; value: string; node: MatchNode }>>();
  const rest: Array<MatchNode | Matcher> = [];
  for (const ch of children) {
    const n = ch.kind === 'item' && !ch.origin.negate ? ch.child : ch;
    if (n.kind === 'field' && n.test.kind === 'eq') {
      const key = `${n.test.cased ? 'C' : 'I'}${n.field}`;
      let set = groups.get(key);
      if (set === undefined) groups.set(key, (set = new Set()));
      set.add(n.test.value);
    } else if (n.kind === 'field' && (n.test.kind === 'contains' || n.test.kind === 'prefix' || n.test.kind === 'suffix') && !n.test.cased && n.test.value !== '') {
      let list = literals.get(n.field);
      if (list === undefined) literals.set(n.field, (list = []));
      list.push({ kind: n.test.kind === 'contains' ? LITERAL_CONTAINS : n.test.kind === 'prefix' ? LITERAL_PREFIX : LITERAL_SUFFIX, value: n.test.value, node: ch });
    } else rest.push(ch);
  }
  for (const [field, list] of literals) {
    if (list.length === 1) rest.unshift((list[0] as { node: MatchNode }).node);
    else rest.unshift(anyLiteral(field, list));
  }
  for (const [key, set] of groups) {
    const cased = key[0] === 'C';
    const field = key.slice(1);
    if (set.size === 1) {
      rest.unshift({ kind: 'field', field, test: { kind: 'eq', value: [...set][0] as string, cased } });
      continue;
    }
    const slot = fieldSlot(field);
    // A value longer than every member equals none and is not hashed (hashing reads the whole value).
    let max = 0;
    for (const v of set) max = Math.max(max, v.length);
    rest.unshift((c: Parameters<Matcher>[0]) => {
      for (const s of cased ? c.stringsAt(slot, field) : c.lowerAt(slot, field)) if (s.length <= max && set.has(s)) return true;
      return false;
    });
  }
  return rest;
}

/** Whether some lower-cased value of the field contains, starts or ends with one of the (lower-case) literals. */
function anyLiteral(field: string, list: ReadonlyArray<{ readonly kind: number; readonly value: string }>): Matcher {
  const slot = fieldSlot(field);
  if (list.length < AUTOMATON_FROM) {
    const kinds = list.map((l) => l.kind);
    const values = list.map((l) => l.value);
    return (c) => {
      for (const s of c.lowerAt(slot, field))
        for (let i = 0; i < values.length; i++) {
          const v = values[i] as string;
          const k = kinds[i];
          if (k === LITERAL_CONTAINS ? s.includes(v) : k === LITERAL_PREFIX ? s.startsWith(v) : s.endsWith(v)) return true;
        }
      return false;
    };
  }
  // One automaton over the distinct literals; per literal, which kinds ask for it.
  const byValue = new Map<string, number>();
  for (const l of list) byValue.set(l.value, (byValue.get(l.value) ?? 0) | (1 << l.kind));
  const patterns = [...byValue.keys()];
  const kindBits = patterns.map((p) => byValue.get(p) as number);
  // Built on first use: most rules of a large set never meet an event their prefilter lets through.
  let ac: AhoCorasick | undefined;
  let lengths: readonly number[] = [];
  return (c) => {
    const values = c.lowerAt(slot, field);
    if (values.length === 0) return false;
    if (ac === undefined) {
      ac = new AhoCorasick(patterns);
      lengths = ac.lengths;
    }
    for (const s of values) {
      const { count, hits } = ac.scanAll(s);
      for (let h = 0; h < count; h++) {
        const p = hits[2 * h] as number;
        const end = hits[2 * h + 1] as number;
        const bits = kindBits[p] as number;
        for (let k = LITERAL_CONTAINS; k <= LITERAL_SUFFIX; k++) if ((bits & (1 << k)) !== 0 && literalHolds(k, end, lengths[p] as number, s.length)) return true;
      }
    }
    return false;
  };
}

function isCaseFolded(test: ValueTest): boolean {
  return (test.kind === 'eq' || test.kind === 'prefix' || test.kind === 'suffix' || test.kind === 'contains' || test.kind === 'glob') && !test.cased;
}

/** A predicate on one string value, for the tests that look at text. */
function stringPredicate(test: ValueTest): ((s: string) => boolean) | undefined {
  switch (test.kind) {
    case 'eq': {
      const v = test.value;
      return (s) => s === v;
    }
    case 'prefix': {
      const v = test.value;
      return (s) => s.startsWith(v);
    }
    case 'suffix': {
      const v = test.value;
      return (s) => s.endsWith(v);
    }
    case 'contains': {
      const v = test.value;
      return (s) => s.includes(v);
    }
    case 'glob': {
      return compileGlob(test.parts);
    }
    case 'regex': {
      const { source, flags } = test;
      // Compiled on first use: most rules' regexes never meet a value (the prefilter or an earlier test
      // decides first), and compiling every SigmaHQ regex up front was a tenth of loading the rules. The
      // pattern was checked when the rule was read (regex-invalid, regex-unsupported).
      let re: RE2JS | undefined;
      // test() searches on the lazy DFA without capture groups; matcher().find() would track them.
      return (s) => (re ??= RE2JS.compile(source, regexFlagBits(flags))).test(s);
    }
    case 'cidr':
      return cidrMatcher(test.cidr);
    case 'numeq':
    case 'bool':
    case 'compare':
    case 'timepart':
      return undefined;
    default: {
      const never: never = test;
      return never;
    }
  }
}

function compileFieldTest(field: string, test: ValueTest): Matcher {
  switch (test.kind) {
    case 'numeq': {
      const n = test.value;
      return (c) => {
        const v = c.value(field);
        if (typeof v === 'number') return v === n;
        for (const x of scalarsOf(v)) if (numberOf(x) === n) return true;
        return false;
      };
    }
    case 'bool': {
      const b = test.value;
      return (c) => {
        for (const x of scalarsOf(c.value(field))) if (boolOf(x) === b) return true;
        return false;
      };
    }
    case 'compare': {
      const { op, value } = test;
      return (c) => {
        for (const x of scalarsOf(c.value(field))) if (compareNumbers(numberOf(x), op, value)) return true;
        return false;
      };
    }
    case 'timepart': {
      const { op, value, part } = test;
      return (c) => {
        for (const x of scalarsOf(c.value(field))) {
          const t = timeOf(x);
          if (!Number.isNaN(t) && compareNumbers(timePartOf(t, part), op, value)) return true;
        }
        return false;
      };
    }
    case 'regex': {
      const pred = stringPredicate(test) as (s: string) => boolean;
      const slot = fieldSlot(field);
      // Every match holds this literal in the lower-cased value (the prefilter's regex anchor): the regex
      // runs only on values that have it. Long values (script blocks) seldom do.
      const literal = regexLiteral(test.source, test.flags);
      if (literal === undefined) {
        return (c) => {
          for (const s of c.stringsAt(slot, field)) if (pred(s)) return true;
          return false;
        };
      }
      return (c) => {
        const lower = c.lowerAt(slot, field);
        for (let i = 0; i < lower.length; i++) if ((lower[i] as string).includes(literal) && pred(c.stringsAt(slot, field)[i] as string)) return true;
        return false;
      };
    }
    default: {
      const pred = stringPredicate(test) as (s: string) => boolean;
      const slot = fieldSlot(field);
      if (isCaseFolded(test)) {
        return (c) => {
          for (const s of c.lowerAt(slot, field)) if (pred(s)) return true;
          return false;
        };
      }
      return (c) => {
        for (const s of c.stringsAt(slot, field)) if (pred(s)) return true;
        return false;
      };
    }
  }
}
