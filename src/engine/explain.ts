import { EventCache } from '../compile/event-cache.js';
import { compileMatcher, type Matcher } from '../compile/compile-matcher.js';
import type { CompiledRule } from '../compile/compile-rule.js';
import type { ItemOrigin, MatchNode } from '../compile/ir.js';
import { lookupField, type Event, type FieldValue } from '../event/event.js';

export interface ItemExplanation {
  readonly detection: string;
  readonly field: string | null;
  readonly modifiers: readonly string[];
  readonly matched: boolean;
  /** The event's value of the field (absent: undefined). */
  readonly eventValue?: FieldValue;
  /** The rule values (as written) that matched the event. */
  readonly matchedValues: readonly string[];
  readonly ruleValues: readonly string[];
}

export interface DetectionExplanation {
  readonly name: string;
  readonly matched: boolean;
  readonly items: readonly ItemExplanation[];
}

export interface Explanation {
  readonly title: string;
  readonly id?: string;
  readonly matched: boolean;
  readonly logsourceMatched: boolean;
  readonly condition: readonly string[];
  readonly detections: readonly DetectionExplanation[];
  /** For a non-match: the first reason, in words. */
  readonly reason?: string;
}

const compiled = new WeakMap<MatchNode, Matcher>();

/** Runs a subtree, compiling it once (regexes included) however often explain visits it. */
function run(node: MatchNode, cache: EventCache): boolean {
  let m = compiled.get(node);
  if (m === undefined) compiled.set(node, (m = compileMatcher(node)));
  return m(cache);
}

/** Which detections and items of a rule matched an event, with the values that made them match. */
export function explain(compiled: CompiledRule, event: Event): Explanation {
  const cache = new EventCache(event);
  const detections = new Map<string, DetectionExplanation>();
  collectDetections(compiled.ir, (name, child) => {
    if (detections.has(name)) return;
    const items: ItemExplanation[] = [];
    collectItems(child, (origin, itemNode) => items.push(explainItem(origin, itemNode, event, cache)));
    detections.set(name, { name, matched: run(child, cache), items });
  });
  const logsourceMatched = compiled.logsourceIr === undefined || run(compiled.logsourceIr, cache);
  const detectionMatched = run(compiled.ir, cache);
  const matched = logsourceMatched && detectionMatched;
  const base = {
    title: compiled.rule.title,
    ...(compiled.rule.id !== undefined ? { id: compiled.rule.id } : {}),
    matched,
    logsourceMatched,
    condition: compiled.rule.conditions.map((c) => c.text),
    detections: [...detections.values()],
  };
  if (matched) return base;
  const reason = logsourceMatched
    ? firstReason(compiled.ir, cache, event)
    : `the event is not from the rule's logsource (${JSON.stringify(compiled.rule.logsource)})`;
  return { ...base, reason };
}

function collectDetections(node: MatchNode, visit: (name: string, child: MatchNode) => void): void {
  if (node.kind === 'detection') {
    visit(node.name, node.child);
    return;
  }
  if (node.kind === 'and' || node.kind === 'or') for (const c of node.children) collectDetections(c, visit);
  if (node.kind === 'not') collectDetections(node.child, visit);
}

function collectItems(node: MatchNode, visit: (origin: ItemOrigin, node: MatchNode) => void): void {
  if (node.kind === 'item') {
    visit(node.origin, node);
    return;
  }
  if (node.kind === 'and' || node.kind === 'or') for (const c of node.children) collectItems(c, visit);
  if (node.kind === 'not' || node.kind === 'detection') collectItems(node.child, visit);
}

function explainItem(origin: ItemOrigin, node: MatchNode, event: Event, cache: EventCache): ItemExplanation {
  const matched = run(node, cache);
  const inner = node.kind === 'item' ? node.child : node;
  const positive = inner.kind === 'not' ? inner.child : inner;
  // Which written values match on their own: the value tests line up with `written` one to one.
  const tests = positive.kind === 'or' || positive.kind === 'and' ? positive.children : [positive];
  const matchedValues = tests.length === origin.written.length ? origin.written.filter((_, i) => run(tests[i] as MatchNode, cache)) : [];
  const eventValue = origin.field === null ? undefined : lookupField(event, origin.field);
  return {
    detection: origin.detection,
    field: origin.field,
    modifiers: origin.modifiers,
    matched,
    ...(eventValue !== undefined ? { eventValue } : {}),
    matchedValues,
    ruleValues: origin.written,
  };
}

/** Walks the condition to the first part that made it false. */
function firstReason(node: MatchNode, cache: EventCache, event: Event): string {
  switch (node.kind) {
    case 'and': {
      const failing = node.children.find((c) => !run(c, cache));
      return failing === undefined ? 'no reason found' : firstReason(failing, cache, event);
    }
    case 'or':
      return node.children.length === 0
        ? 'nothing to match'
        : node.children.map((c) => firstReason(c, cache, event)).join('; and ');
    case 'not':
      return `${describe(node.child)} matched, and the condition excludes it`;
    case 'detection':
      return `${node.name}: ${firstReason(node.child, cache, event)}`;
    case 'item': {
      const o = node.origin;
      if (o.field === null) return `no keyword of [${o.written.join(', ')}] occurs in the event`;
      const v = lookupField(event, o.field);
      const mods = o.modifiers.length > 0 ? `|${o.modifiers.join('|')}` : '';
      if (o.negate) return `${o.field} is ${JSON.stringify(v)}, which ${o.field}${mods} excludes`;
      if (v === undefined) return `the event has no field ${o.field}`;
      return `${o.field} is ${JSON.stringify(v)}, which does not match ${o.field}${mods}: ${o.linkAll ? 'all of ' : ''}[${o.written.join(', ')}]`;
    }
    default:
      return `${describe(node)} is false`;
  }
}

function describe(node: MatchNode): string {
  if (node.kind === 'detection') return node.name;
  if (node.kind === 'item') return `${node.origin.detection}.${node.origin.field ?? 'keywords'}`;
  if (node.kind === 'or' || node.kind === 'and') return node.children.map(describe).join(` ${node.kind} `);
  return node.kind;
}
