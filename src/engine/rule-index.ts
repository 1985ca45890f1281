import { anchorOf, type Anchor } from '../compile/anchor.js';
import type { CompiledRule } from '../compile/compile-rule.js';
import type { EventCache } from '../compile/event-cache.js';
import { requiredEventIds } from '../compile/event-ids.js';
import { numberOf } from '../compile/field-values.js';
import type { Event } from '../event/event.js';
import { Prefilter, type AutomatonCache } from './prefilter.js';

/**
 * Rules bucketed by the channel and event ID their pipeline logsource condition requires (narrowed by the
 * event IDs their detection requires), so an event meets only the rules that can apply to it. Rules
 * without such a condition are tried on every event.
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
      const required = requiredEventIds(r.ir);
      if (r.logsource === undefined) {
        if (required === undefined) this.everywhere.push(i);
        else for (const id of required) this.addKey(`*|${id}`, i);
        return;
      }
      const keys = new Set<string>();
      for (const { channels, eventIds } of r.logsource) {
        // The logsource's IDs and those the detection requires must both hold; an empty intersection never matches.
        const ids = eventIds === undefined ? required : required === undefined ? eventIds : eventIds.filter((id) => required.has(id));
        for (const c of channels) {
          const channel = c.toLowerCase();
          if (ids === undefined) keys.add(`${channel}|*`);
          else for (const id of ids) keys.add(`${channel}|${id}`);
        }
      }
      for (const k of keys) this.addKey(k, i);
    });
  }

  private addKey(key: string, rule: number): void {
    const list = this.byKey.get(key) ?? [];
    list.push(rule);
    this.byKey.set(key, list);
  }

  /** The rules that may match the event (a superset of those that do), in rule-set order. */
  candidates(event: Event, cache: EventCache): readonly CompiledRule[] {
    return this.prefilterFor(event).candidates(cache);
  }

  /** Prefilters by the raw Channel value, then the raw EventID value: no key text is built per event. */
  private readonly byRaw = new Map<string | number | undefined, Map<string | number | undefined, Prefilter>>();
  private rawEntries = 0;

  private prefilterFor(event: Event): Prefilter {
    const ch = event.fields['Channel'];
    const id = event.fields['EventID'];
    const cacheable = (ch === undefined || typeof ch === 'string' || typeof ch === 'number') && (id === undefined || typeof id === 'string' || typeof id === 'number');
    if (!cacheable) return this.prefilterByKey(event);
    let byId = this.byRaw.get(ch);
    let p = byId?.get(id);
    if (p !== undefined) return p;
    p = this.prefilterByKey(event);
    if (this.rawEntries < 10000) {
      if (byId === undefined) this.byRaw.set(ch, (byId = new Map()));
      byId.set(id, p);
      this.rawEntries++;
    }
    return p;
  }

  private prefilterByKey(event: Event): Prefilter {
    const channel = String(event.fields['Channel'] ?? '').toLowerCase();
    const eid = event.fields['EventID'];
    const key = `${channel}|${typeof eid === 'number' ? eid : String(eid ?? '')}`;
    let list = this.merged.get(key);
    if (list === undefined) {
      const ids = new Set([...(this.byKey.get(key) ?? []), ...(this.byKey.get(`${channel}|*`) ?? []), ...this.everywhere]);
      // Numeric buckets hold the rules of that event ID whatever the event's EventID is written as: 4688,
      // "4688" or " 4688" are all the number a rule's EventID test compares with.
      const n = typeof eid === 'number' ? eid : typeof eid === 'string' ? numberOf(eid) : NaN;
      if (Number.isInteger(n)) {
        for (const i of this.byKey.get(`${channel}|${n}`) ?? []) ids.add(i);
        for (const i of this.byKey.get(`*|${n}`) ?? []) ids.add(i);
      }
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
