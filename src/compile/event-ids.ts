import { numberOf } from './field-values.js';
import type { MatchNode } from './ir.js';

/**
 * The event IDs a rule's detection requires (`EventID: 16`, `EventID: [4624, 4625]`, in an AND with the
 * rest), or undefined when any event ID could match. The rule index uses it beside the logsource's IDs,
 * so a rule for "any Sysmon event" that asks for EventID 16 is only tried on event 16.
 * A necessary condition: when the node matches an event, the event's EventID is numerically in the set.
 */
export function requiredEventIds(node: MatchNode): ReadonlySet<number> | undefined {
  switch (node.kind) {
    case 'detection':
    case 'item':
      return requiredEventIds(node.child);
    case 'and': {
      let out: Set<number> | undefined;
      for (const ch of node.children) {
        const ids = requiredEventIds(ch);
        if (ids === undefined) continue;
        out = out === undefined ? new Set(ids) : new Set([...out].filter((i) => ids.has(i)));
      }
      return out;
    }
    case 'or': {
      const out = new Set<number>();
      for (const ch of node.children) {
        const ids = requiredEventIds(ch);
        if (ids === undefined) return undefined;
        for (const i of ids) out.add(i);
      }
      return out;
    }
    case 'const':
      return node.value ? undefined : new Set();
    case 'field': {
      if (node.field !== 'EventID') return undefined;
      const t = node.test;
      if (t.kind === 'numeq') return Number.isInteger(t.value) ? new Set([t.value]) : undefined;
      // Text equality on '16' holds only for values whose text is exactly 16, which are numerically 16.
      if (t.kind === 'eq' && /^\d+$/.test(t.value)) return new Set([numberOf(t.value)]);
      return undefined;
    }
    default:
      return undefined;
  }
}
