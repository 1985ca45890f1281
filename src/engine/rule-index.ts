import type { CompiledRule } from '../compile/compile-rule.js';
import type { MatchNode } from '../compile/ir.js';
import type { Event } from '../event/event.js';

/** Channel (lower case) and event ID a logsource condition requires; eventId undefined = any event of the channel. */
interface Key {
  readonly channel: string;
  readonly eventId?: number;
}

/**
 * The (Channel, EventID) pairs a logsource condition accepts, or undefined when it cannot be read that
 * way (such rules are tried on every event). Understands what the pipelines produce: `Channel == c`,
 * `EventID == n`, and AND/OR of them.
 */
export function logsourceKeys(ir: MatchNode): Key[] | undefined {
  switch (ir.kind) {
    case 'field':
      if (ir.field === 'Channel' && ir.test.kind === 'eq' && !ir.test.cased) return [{ channel: ir.test.value }];
      return undefined;
    case 'or': {
      const all: Key[] = [];
      for (const c of ir.children) {
        const k = logsourceKeys(c);
        if (k === undefined) return undefined;
        all.push(...k);
      }
      return all;
    }
    case 'and': {
      const channels = ir.children.map(logsourceKeys).filter((k): k is Key[] => k !== undefined);
      const ids = ir.children.map(eventIds).filter((k): k is number[] => k !== undefined);
      if (channels.length !== 1) return undefined;
      const chans = channels[0] as Key[];
      if (ids.length === 0) return chans;
      const allowed = ids[0] as number[];
      return chans.flatMap((c) => (c.eventId !== undefined ? (allowed.includes(c.eventId) ? [c] : []) : allowed.map((eventId) => ({ channel: c.channel, eventId }))));
    }
    default:
      return undefined;
  }
}

function eventIds(ir: MatchNode): number[] | undefined {
  if (ir.kind === 'field' && ir.field === 'EventID' && ir.test.kind === 'numeq') return [ir.test.value];
  if (ir.kind === 'or') {
    const out: number[] = [];
    for (const c of ir.children) {
      const k = eventIds(c);
      if (k === undefined) return undefined;
      out.push(...k);
    }
    return out;
  }
  return undefined;
}

/**
 * Rules bucketed by the channel and event ID their logsource requires, so an event meets only the
 * rules that can apply to it. Candidate lists keep rule-set order, so results do not depend on the index.
 */
export class RuleIndex {
  private readonly byKey = new Map<string, number[]>();
  private readonly everywhere: number[] = [];
  private readonly merged = new Map<string, readonly CompiledRule[]>();

  constructor(private readonly rules: readonly CompiledRule[]) {
    rules.forEach((r, i) => {
      const keys = r.logsourceIr === undefined ? undefined : logsourceKeys(r.logsourceIr);
      if (keys === undefined) {
        this.everywhere.push(i);
        return;
      }
      for (const k of new Set(keys.map((k) => `${k.channel}|${k.eventId ?? '*'}`))) {
        const list = this.byKey.get(k) ?? [];
        list.push(i);
        this.byKey.set(k, list);
      }
    });
  }

  candidates(event: Event): readonly CompiledRule[] {
    const channel = String(event.fields['Channel'] ?? '').toLowerCase();
    const eid = event.fields['EventID'];
    const key = `${channel}|${typeof eid === 'number' ? eid : String(eid ?? '')}`;
    let list = this.merged.get(key);
    if (list === undefined) {
      const ids = new Set([...(this.byKey.get(key) ?? []), ...(this.byKey.get(`${channel}|*`) ?? []), ...this.everywhere]);
      // An EventID written as text ("4688") must find the numeric bucket too.
      if (typeof eid === 'string' && /^\d+$/.test(eid)) for (const i of this.byKey.get(`${channel}|${Number(eid)}`) ?? []) ids.add(i);
      list = [...ids].sort((a, b) => a - b).map((i) => this.rules[i] as CompiledRule);
      if (this.merged.size < 10000) this.merged.set(key, list);
    }
    return list;
  }
}
