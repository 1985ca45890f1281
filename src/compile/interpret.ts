import ipaddr from 'ipaddr.js';
import { RE2JS } from 're2js';
import { eventStrings, lookupField, type Event } from '../event/event.js';
import { isWildcard, type StrPart } from '../modifiers/value-pattern.js';
import { regexFlagBits } from '../modifiers/re.js';
import { timeOf } from '../event/event-time.js';
import { boolOf, compareNumbers, numberOf, scalarsOf, stringsOf, timePartOf } from './field-values.js';
import type { MatchNode, ValueTest } from './ir.js';

/**
 * The plain reference interpreter of the IR: no caching, no indexes, each test written the obvious way.
 * The compiled matchers must agree with it on every event (a property test checks).
 */
export function interpret(node: MatchNode, event: Event): boolean {
  switch (node.kind) {
    case 'and':
      return node.children.every((c) => interpret(c, event));
    case 'or':
      return node.children.some((c) => interpret(c, event));
    case 'not':
      return !interpret(node.child, event);
    case 'const':
      return node.value;
    case 'detection':
    case 'item':
      return interpret(node.child, event);
    case 'field':
      return fieldTest(node.test, lookupField(event, node.field));
    case 'keyword':
      return [...eventStrings(event)].some((s) => stringValueTest(node.test, s));
    case 'exists':
      return (lookupField(event, node.field) !== undefined) === node.expected;
    case 'null': {
      const v = lookupField(event, node.field);
      return v === undefined || v === null;
    }
    case 'fieldref': {
      const a = stringsOf(lookupField(event, node.field));
      const b = stringsOf(lookupField(event, node.other));
      return a.some((x) =>
        b.some((y) => {
          const [l, r] = node.cased ? [x, y] : [x.toLowerCase(), y.toLowerCase()];
          if (node.position === 'exact') return l === r;
          if (node.position === 'contains') return l.includes(r);
          if (node.position === 'startswith') return l.startsWith(r);
          return l.endsWith(r);
        }),
      );
    }
    default: {
      const never: never = node;
      return never;
    }
  }
}

function fieldTest(test: ValueTest, value: ReturnType<typeof lookupField>): boolean {
  switch (test.kind) {
    case 'numeq':
      return scalarsOf(value).some((v) => numberOf(v) === test.value);
    case 'bool':
      return scalarsOf(value).some((v) => boolOf(v) === test.value);
    case 'compare':
      return scalarsOf(value).some((v) => compareNumbers(numberOf(v), test.op, test.value));
    case 'timepart':
      return scalarsOf(value).some((v) => {
        const t = timeOf(v);
        return !Number.isNaN(t) && compareNumbers(timePartOf(t, test.part), test.op, test.value);
      });
    default:
      return stringsOf(value).some((s) => stringValueTest(test, s));
  }
}

function stringValueTest(test: ValueTest, s: string): boolean {
  switch (test.kind) {
    case 'eq':
    case 'prefix':
    case 'suffix':
    case 'contains': {
      const v = test.cased ? s : s.toLowerCase();
      if (test.kind === 'eq') return v === test.value;
      if (test.kind === 'prefix') return v.startsWith(test.value);
      if (test.kind === 'suffix') return v.endsWith(test.value);
      return v.includes(test.value);
    }
    case 'glob':
      return globToRegExp(test.parts).test(test.cased ? s : s.toLowerCase());
    case 'regex':
      return RE2JS.compile(test.source, regexFlagBits(test.flags)).matcher(s).find();
    case 'cidr':
      return inNetwork(test.cidr, s.trim());
    case 'numeq':
    case 'bool':
    case 'compare':
    case 'timepart':
      return fieldTest(test, s);
    default: {
      const never: never = test;
      return never;
    }
  }
}

function globToRegExp(parts: readonly StrPart[]): RegExp {
  const body = parts
    .map((p) => (isWildcard(p) ? (p.wildcard === '*' ? '[\\s\\S]*' : '[\\s\\S]') : p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, 'u');
}

/**
 * Decimal dotted-quad IPv4 (what Windows writes) or IPv4-mapped IPv6 inside an IPv4 network;
 * IPv6 text (embedded dotted forms included, zone index ignored) inside an IPv6 network.
 */
function inNetwork(cidr: string, text: string): boolean {
  const [net, bits] = ipaddr.parseCIDR(cidr);
  if (net.kind() === 'ipv4') {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(text);
    const octets = (mapped !== null ? (mapped[1] as string) : text).split('.');
    if (octets.length !== 4 || !octets.every((o) => /^\d{1,3}$/.test(o) && Number(o) <= 255)) return false;
    return new ipaddr.IPv4(octets.map(Number)).match(net, bits);
  }
  if (!text.includes(':')) return false;
  const bare = text.replace(/%.*$/, '');
  return ipaddr.IPv6.isValid(bare) && ipaddr.IPv6.parse(bare).match(net, bits);
}
