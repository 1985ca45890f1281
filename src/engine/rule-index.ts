import { anchorOf, type Anchor } from '../compile/anchor.js';
import type { CompiledRule } from '../compile/compile-rule.js';
import type { EventCache } from '../compile/event-cache.js';
import type { Event } from '../event/event.js';
import { Prefilter, type AutomatonCache } from './prefilter.js';

/**
 * Rules bucketed by the channel and event ID their pipeline logsource condition requires, so an event
 * meets only the rules that can apply to it. Rules without such a condition are tried on every event.
 * Within a bucket, a multi-pattern prefilter drops the rules whose literal anchor does not hold.
 * Candidate lists keep rule-set order, so results do not depend on the index.
 */
export class RuleIndex {
  private readonly byKey = new Map<string, number[]>();
  private readonly everywhere: number[] = [];
  private readonly merged = new Map<string, Prefilter>();
  private readonly byRuleList = new Map<string, Prefilter>();
  private readonly anchors: ReadonlyArray<Anchor | undefined>;
  private readonly automata: AutomatonCache = new Map();

  constructor(
    private readonly rules: readonly CompiledRule[],
    options: { readonly prefilter?: boolean } = {},
  ) {
    this.anchors = options.prefilter === false ? rules.map(() => undefined) : rules.map((r) => anchorOf(r.ir));
    rules.forEach((r, i) => {
      if (r.logsource === undefined) {
        this.everywhere.push(i);
        return;
      }
      const keys = new Set<string>();
      for (const { channels, eventIds } of r.logsource) {
        for (const c of channels) {
          const channel = c.toLowerCase();
          if (eventIds === undefined) keys.add(`${channel}|*`);
          else for (const id of eventIds) keys.add(`${channel}|${id}`);
        }
      }
      for (const k of keys) {
        const list = this.byKey.get(k) ?? [];
        list.push(i);
        this.byKey.set(k, list);
      }
    });
  }

  /** The rules that may match the event (a superset of those that do), in rule-set order. */
  candidates(event: Event, cache: EventCache): readonly CompiledRule[] {
    return this.prefilterFor(event).candidates(cache);
  }

  private prefilterFor(event: Event): Prefilter {
    const channel = String(event.fields['Channel'] ?? '').toLowerCase();
    const eid = event.fields['EventID'];
    const key = `${channel}|${typeof eid === 'number' ? eid : String(eid ?? '')}`;
    let list = this.merged.get(key);
    if (list === undefined) {
      const ids = new Set([...(this.byKey.get(key) ?? []), ...(this.byKey.get(`${channel}|*`) ?? []), ...this.everywhere]);
      // An EventID written as text ("4688") must find the numeric bucket too.
      if (typeof eid === 'string' && /^\d+$/.test(eid)) for (const i of this.byKey.get(`${channel}|${Number(eid)}`) ?? []) ids.add(i);
      const sorted = [...ids].sort((a, b) => a - b);
      const listKey = sorted.join(',');
      list = this.byRuleList.get(listKey);
      if (list === undefined) {
        list = new Prefilter(
          sorted.map((i) => this.rules[i] as CompiledRule),
          sorted.map((i) => this.anchors[i]),
          this.automata,
        );
        this.byRuleList.set(listKey, list);
      }
      if (this.merged.size < 10000) this.merged.set(key, list);
    }
    return list;
  }
}
