import { anchorOf, type Anchor } from '../compile/anchor.js';
import type { CompiledRule } from '../compile/compile-rule.js';
import type { EventCache } from '../compile/event-cache.js';
import { numberOf, scalarsOf, stringsOf } from '../compile/field-values.js';
import type { Event, FieldValue } from '../event/event.js';
import { Prefilter, type AutomatonCache } from './prefilter.js';

/**
 * Rules bucketed by the channel and event ID their pipeline logsource condition requires (narrowed by the
 * event IDs their detection requires), so an event meets only the rules that can apply to it. Rules
 * without such a condition are tried on every event.
 * An event meets the rules of every bucket any of its values selects: each Channel value with each EventID
 * value, as the matcher reads multi-valued fields (any value may satisfy an item). The detection's event IDs
 * narrow a bucket only for events with one EventID value: with several, `EventID: 1` in the detection and
 * the logsource's 4104 can each hold by another value, so those events use buckets from the logsource alone.
 * Within a bucket, a multi-pattern prefilter drops the rules whose literal anchor does not hold.
 * Candidate lists keep rule-set order, so results do not depend on the index.
 */
export class RuleIndex {
  /** Buckets for events with at most one EventID value (logsource IDs narrowed by the detection's). */
  private readonly byKey = new Map<string, number[]>();
  private readonly everywhere: number[] = [];
  /** Buckets for events with several EventID values: from the logsource alone. */
  private readonly wideByKey = new Map<string, number[]>();
  private readonly wideEverywhere: number[] = [];
  private readonly merged = new Map<string, Selection>();
  private readonly byRuleList = new Map<string, Prefilter>();
  /** Each rule's anchor, made when a prefilter first needs it (null: not made yet): most rules never meet an event. */
  private readonly anchors: Array<Anchor | undefined | null>;
  private readonly prefilter: boolean;
  private readonly automata: AutomatonCache = new Map();

  constructor(
    private readonly rules: readonly CompiledRule[],
    /** `anchors`: each rule's anchor when already known (anchorOf its IR; see RuleSet.fromShipped). */
    options: { readonly prefilter?: boolean; readonly anchors?: ReadonlyArray<Anchor | undefined> } = {},
  ) {
    this.prefilter = options.prefilter !== false;
    this.anchors = options.anchors !== undefined ? [...options.anchors] : rules.map(() => null);
    rules.forEach((r, i) => {
      const required = r.eventIds;
      if (r.logsource === undefined) {
        this.wideEverywhere.push(i);
        if (required === undefined) this.everywhere.push(i);
        else for (const id of required) add(this.byKey, `*|${id}`, i);
        return;
      }
      const keys = new Set<string>();
      const wide = new Set<string>();
      for (const { channels, eventIds } of r.logsource) {
        // The logsource's IDs and those the detection requires must both hold on a single-valued EventID;
        // an empty intersection never matches one.
        const ids = eventIds === undefined ? required : required === undefined ? eventIds : eventIds.filter((id) => required.has(id));
        for (const c of channels) {
          const channel = c.toLowerCase();
          if (ids === undefined) keys.add(`${channel}|*`);
          else for (const id of ids) keys.add(`${channel}|${id}`);
          if (eventIds === undefined) wide.add(`${channel}|*`);
          else for (const id of eventIds) wide.add(`${channel}|${id}`);
        }
      }
      for (const k of keys) add(this.byKey, k, i);
      for (const k of wide) add(this.wideByKey, k, i);
    });
  }

  private anchorAt(i: number): Anchor | undefined {
    if (!this.prefilter) return undefined;
    let a = this.anchors[i];
    if (a === null) this.anchors[i] = a = anchorOf((this.rules[i] as CompiledRule).ir);
    return a;
  }

  /** The rules that may match the event (a superset of those that do), in rule-set order. */
  candidates(event: Event, cache: EventCache): readonly CompiledRule[] {
    const selection = this.selectionFor(event);
    if (!selection.bucketed) this.noteUnselected(selection.key);
    return selection.prefilter.candidates(cache);
  }

  /** Events whose Channel and EventID values selected no bucket (only rules without a logsource met them), by key. */
  private unselectedKeys = new Map<string, number>();

  private noteUnselected(key: string): void {
    const n = this.unselectedKeys.get(key);
    if (n !== undefined) this.unselectedKeys.set(key, n + 1);
    else if (this.unselectedKeys.size < 1000) this.unselectedKeys.set(key, 1);
    else this.unselectedKeys.set('(other)', (this.unselectedKeys.get('(other)') ?? 0) + 1);
  }

  /**
   * How many events no bucket selected (so no logsource-bound rule was tried on them), by their
   * `channel|eventid` key (the first 1,000 distinct keys, then `(other)`); counting starts over after each call.
   */
  takeUnselected(): { readonly count: number; readonly byKey: ReadonlyMap<string, number> } {
    const byKey = this.unselectedKeys;
    if (byKey.size === 0) return NONE_UNSELECTED;
    this.unselectedKeys = new Map();
    let count = 0;
    for (const n of byKey.values()) count += n;
    return { count, byKey };
  }

  /** Selections by the raw Channel value, then the raw EventID value: no key text is built per event. */
  private readonly byRaw = new Map<string | number | undefined, Map<string | number | undefined, Selection>>();
  private rawEntries = 0;

  private selectionFor(event: Event): Selection {
    const ch = event.fields['Channel'];
    const id = event.fields['EventID'];
    const cacheable = (ch === undefined || typeof ch === 'string' || typeof ch === 'number') && (id === undefined || typeof id === 'string' || typeof id === 'number');
    if (!cacheable) return this.selectionByValues(ch, id);
    let byId = this.byRaw.get(ch);
    let p = byId?.get(id);
    if (p !== undefined) return p;
    p = this.selectionByValues(ch, id);
    if (this.rawEntries < 10000) {
      if (byId === undefined) this.byRaw.set(ch, (byId = new Map()));
      byId.set(id, p);
      this.rawEntries++;
    }
    return p;
  }

  /**
   * The rules of every bucket any of the event's values selects: each Channel value with each EventID value,
   * as the matcher reads them (any value of a multi-valued field may satisfy an item, so a System 104 event
   * whose UserData names the cleared log has two Channel values and meets the rules of both channels).
   */
  private selectionByValues(ch: FieldValue | undefined, eid: FieldValue | undefined): Selection {
    const channels = [...new Set(stringsOf(ch).map((c) => c.toLowerCase()))];
    const ids = scalarsOf(eid);
    const key = `${channels.join('\u0001')}|${ids.map((v) => (typeof v === 'number' ? v : String(v))).join('\u0001')}`;
    let selection = this.merged.get(key);
    if (selection !== undefined) return selection;
    const several = ids.length > 1;
    const byKey = several ? this.wideByKey : this.byKey;
    const rules = new Set(several ? this.wideEverywhere : this.everywhere);
    let bucketed = false;
    const take = (k: string) => {
      const list = byKey.get(k);
      if (list === undefined) return;
      bucketed = true;
      for (const i of list) rules.add(i);
    };
    // Numeric buckets hold the rules of that event ID whatever the event's EventID is written as: 4688,
    // "4688" or " 4688" are all the number a rule's EventID test compares with.
    const numbers = ids.map((v) => numberOf(v)).filter((n) => Number.isInteger(n));
    for (const channel of channels.length === 0 ? [''] : channels) {
      take(`${channel}|*`);
      for (const v of ids) take(`${channel}|${typeof v === 'number' ? v : String(v)}`);
      for (const n of numbers) take(`${channel}|${n}`);
    }
    for (const n of numbers) take(`*|${n}`);
    const sorted = [...rules].sort((a, b) => a - b);
    const listKey = sorted.join(',');
    let prefilter = this.byRuleList.get(listKey);
    if (prefilter === undefined) {
      prefilter = new Prefilter(
        sorted.map((i) => this.rules[i] as CompiledRule),
        sorted.map((i) => this.anchorAt(i)),
        this.automata,
      );
      this.byRuleList.set(listKey, prefilter);
    }
    selection = { prefilter, bucketed, key: `${channels.join(',') || '(no channel)'}|${ids.map(String).join(',') || '(no event id)'}` };
    if (this.merged.size < 10000) this.merged.set(key, selection);
    return selection;
  }
}

const NONE_UNSELECTED = { count: 0, byKey: new Map<string, number>() as ReadonlyMap<string, number> };

function add(map: Map<string, number[]>, key: string, rule: number): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [rule]);
  else list.push(rule);
}

interface Selection {
  readonly prefilter: Prefilter;
  /** Whether any bucket (a logsource's channel and event ID) selected the event. */
  readonly bucketed: boolean;
  /** The event's channel and event ID values, for the unselected-events report. */
  readonly key: string;
}
