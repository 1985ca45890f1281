import type { CompiledRule } from '../compile/compile-rule.js';
import type { Event } from '../event/event.js';

/**
 * Rules bucketed by the channel and event ID their pipeline logsource condition requires, so an event
 * meets only the rules that can apply to it. Rules without such a condition are tried on every event.
 * Candidate lists keep rule-set order, so results do not depend on the index.
 */
export class RuleIndex {
  private readonly byKey = new Map<string, number[]>();
  private readonly everywhere: number[] = [];
  private readonly merged = new Map<string, readonly CompiledRule[]>();

  constructor(private readonly rules: readonly CompiledRule[]) {
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
