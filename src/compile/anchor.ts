import { isWildcard } from '../modifiers/value-pattern.js';
import type { MatchNode, ValueTest } from './ir.js';

/**
 * A literal test on one field's lower-cased values; `num` holds when a value read as a number (numberOf)
 * is the number written in `value`.
 */
export interface AnchorLiteral {
  readonly field: string;
  readonly kind: 'eq' | 'prefix' | 'suffix' | 'contains' | 'num';
  /** Lower-case, non-empty for prefix/suffix/contains; a finite number's text for num. */
  readonly value: string;
}

/**
 * A necessary condition of an IR node: when the node matches an event, at least one literal holds on that
 * event's lower-cased field values. An empty list means the node can never match.
 * undefined means no such condition could be found (the node must always be evaluated).
 */
export type Anchor = readonly AnchorLiteral[];

/** The cheapest necessary condition of a rule's detection, for the multi-pattern prefilter. */
export function anchorOf(node: MatchNode): Anchor | undefined {
  return walk(node)?.literals;
}

interface Scored {
  readonly literals: Anchor;
  /** Rough chance that the condition holds on an ordinary event: lower is more selective. */
  readonly cost: number;
}

function walk(node: MatchNode): Scored | undefined {
  switch (node.kind) {
    case 'detection':
    case 'item':
      return walk(node.child);
    case 'const':
      return node.value ? undefined : { literals: [], cost: 0 };
    case 'and': {
      let best: Scored | undefined;
      for (const ch of node.children) {
        const a = walk(ch);
        if (a !== undefined && (best === undefined || a.cost < best.cost)) best = a;
      }
      return best;
    }
    case 'or': {
      const literals: AnchorLiteral[] = [];
      let cost = 0;
      for (const ch of node.children) {
        const a = walk(ch);
        if (a === undefined) return undefined;
        literals.push(...a.literals);
        cost += a.cost;
      }
      return { literals, cost: Math.min(cost, 1) };
    }
    case 'field':
      return fieldLiteral(node.field, node.test);
    // A negation, a keyword search, an existence or null test, a field reference: no literal is required.
    case 'not':
    case 'keyword':
    case 'exists':
    case 'null':
    case 'fieldref':
      return undefined;
    default: {
      const never: never = node;
      return never;
    }
  }
}

function fieldLiteral(field: string, test: ValueTest): Scored | undefined {
  switch (test.kind) {
    case 'eq':
      // Case-sensitive tests read the raw values; lower-casing is not exact enough to anchor on them.
      return test.cased ? undefined : { literals: [{ field, kind: 'eq', value: test.value }], cost: eqCost(field, test.value) };
    case 'regex': {
      const literal = regexLiteral(test.source, test.flags);
      return literal === undefined ? undefined : { literals: [{ field, kind: 'contains', value: literal }], cost: literalCost(literal, 'contains') };
    }
    case 'numeq':
      // numberOf of a value's string form is the number numeq compares (String() round-trips finite numbers).
      return Number.isFinite(test.value) ? { literals: [{ field, kind: 'num', value: String(test.value) }], cost: numCost(field) } : undefined;
    case 'prefix':
    case 'suffix':
    case 'contains':
      if (test.cased || test.value === '') return undefined;
      return { literals: [{ field, kind: test.kind, value: test.value }], cost: literalCost(test.value, test.kind) };
    case 'glob': {
      if (test.cased) return undefined;
      let longest = '';
      for (const p of test.parts) if (!isWildcard(p) && p.length > longest.length) longest = p;
      if (longest === '') return undefined;
      return { literals: [{ field, kind: 'contains', value: longest }], cost: literalCost(longest, 'contains') };
    }
    default:
      return undefined;
  }
}

/**
 * Path pieces most Windows events contain somewhere: a literal inside one of them says little about an
 * event, however long it is (`c:\users\` is on most file events), so another test of the rule is a
 * better anchor when there is one.
 */
const COMMON_TEXT = [
  'c:\\windows\\system32\\', 'c:\\windows\\syswow64\\', 'c:\\windows\\winsxs\\', 'c:\\program files (x86)\\', 'c:\\program files\\',
  'c:\\programdata\\', 'c:\\users\\', '\\appdata\\local\\temp\\', '\\appdata\\roaming\\microsoft\\windows\\',
  '\\software\\microsoft\\windows\\currentversion\\', 'hklm\\system\\currentcontrolset\\services\\', 'hklm\\software\\microsoft\\',
  'hku\\', 'dword (0x00000000)', 'dword (0x00000001)',
];

function literalCost(value: string, kind: 'prefix' | 'suffix' | 'contains'): number {
  const n = value.length;
  if (COMMON_TEXT.some((c) => c.includes(value))) return 0.3;
  const base = n >= 6 ? 0.005 : n >= 4 ? 0.02 : n === 3 ? 0.1 : 0.4;
  return kind === 'contains' ? base * 2 : base;
}

/** Fields with few distinct values (flags, protocols, vendors): equality on them says little about an event. */
const LOW_CARDINALITY = new Set(['initiated', 'sourceisipv6', 'destinationisipv6', 'protocol', 'integritylevel', 'company', 'product', 'signed', 'signaturestatus', 'signature', 'logontype', 'eventtype', 'provider_name', 'channel', 'level', 'task', 'opcode', 'keywords', 'elevatedtoken', 'impersonationlevel', 'status', 'failurereason', 'state']);

function eqCost(field: string, value: string): number {
  if (LOW_CARDINALITY.has(field.toLowerCase()) || value.length <= 2 || value === 'true' || value === 'false') return 0.5;
  if (COMMON_TEXT.includes(value)) return 0.3;
  return 0.001;
}

/** Numeric equality: selective (ports, codes) unless on a flag-like field or the event ID, which the index buckets by. */
function numCost(field: string): number {
  const f = field.toLowerCase();
  return LOW_CARDINALITY.has(f) || f === 'eventid' ? 0.5 : 0.002;
}

/** Escapes that stand for one class of characters (or an assertion) and take no argument. */
const CLASS_ESCAPES = new Set(['d', 'D', 's', 'S', 'w', 'W', 'b', 'B', 'A', 'z', 'n', 't', 'r', 'f', 'v']);
const REPEAT = /^\{\d+(,\d*)?\}/;

/**
 * The longest run of literal ASCII text every match of the regex contains, lower-cased, or undefined.
 * Conservative: only a top level without alternation is read; groups, classes, dots, anchors and anything
 * quantified end a run; an escape or a brace it does not know gives up. A case-insensitive regex also ends
 * runs at 's', whose case-fold orbit includes 'ſ' (U+017F), which lower-casing does not turn into 's'.
 */
export function regexLiteral(source: string, flags: string): string | undefined {
  const insensitive = flags.includes('i') || /\(\?[a-zA-Z-]*i/.test(source);
  let best = '';
  let run = '';
  const end = () => {
    if (run.length > best.length) best = run;
    run = '';
  };
  const literal = (c: string) => {
    const code = c.charCodeAt(0);
    if (code < 0x20 || code > 0x7e || (insensitive && (c === 's' || c === 'S'))) end();
    else run += c;
  };
  let depth = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source[i] as string;
    if (c === '\\') {
      const e = source[++i];
      if (e === undefined) return undefined;
      if (/[A-Za-z0-9]/.test(e)) {
        // \d, \s, \b ... match a class or nothing; \x41, \p{L}, \Q, back-references: not read.
        if (!CLASS_ESCAPES.has(e)) return undefined;
        if (depth === 0) end();
      } else if (depth === 0) literal(e);
      continue;
    }
    if (c === '[') {
      // Skip the class: a ']' right after '[' or '[^' is literal; escapes inside are skipped whole.
      let j = i + 1;
      if (source[j] === '^') j++;
      if (source[j] === ']') j++;
      while (j < source.length && source[j] !== ']') j += source[j] === '\\' ? 2 : 1;
      if (j >= source.length) return undefined;
      i = j;
      if (depth === 0) end();
      continue;
    }
    if (c === '(') {
      if (depth++ === 0) end();
      continue;
    }
    if (c === ')') {
      if (depth-- === 0) return undefined;
      continue;
    }
    if (depth > 0) continue;
    if (c === '|') return undefined;
    if (c === '.' || c === '^' || c === '$') end();
    else if (c === '*' || c === '+' || c === '?' || c === '{') {
      if (c === '{') {
        const m = REPEAT.exec(source.slice(i));
        if (m === null) return undefined;
        i += m[0].length - 1;
      }
      // The character before a quantifier is not required as written (runs are ASCII: one code unit).
      run = run.slice(0, -1);
      end();
    } else literal(c);
  }
  if (depth !== 0) return undefined;
  end();
  return best.length >= 3 ? best.toLowerCase() : undefined;
}
