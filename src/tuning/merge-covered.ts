import { EventCache } from '../compile/event-cache.js';
import { loadRuleTexts } from '../rule/load-rules.js';
import { compileFilter } from './filter-verdict.js';
import type { Activity } from './learn-baseline.js';
import { renderFilterDocument } from './write-baseline-filters.js';

/**
 * Folds each activity into a more frequent one of the same rule whose entry already covers it (matches its
 * sample event), so an entry's count and hosts are what it would really suppress. Two runs can be grouped
 * apart yet fit one entry: a name generalised as a hex run in one run and as letters and digits in another.
 */
export function mergeCovered(activities: readonly Activity[]): Activity[] {
  const out: Activity[] = [];
  const byRule = new Map<Activity['rule'], Activity[]>();
  for (const a of activities) {
    const list = byRule.get(a.rule);
    if (list === undefined) byRule.set(a.rule, [a]);
    else list.push(a);
  }
  for (const list of byRule.values()) {
    const kept: Array<{ activity: Activity; covers: (a: Activity) => boolean }> = [];
    for (const a of [...list].sort((x, y) => y.count - x.count)) {
      const host = a.describable ? kept.find((k) => k.activity.describable && k.covers(a)) : undefined;
      if (host === undefined) {
        kept.push({ activity: a, covers: coverage(a) });
        continue;
      }
      const h = host.activity;
      const first = Math.min(h.first ?? Infinity, a.first ?? Infinity);
      const last = Math.max(h.last ?? -Infinity, a.last ?? -Infinity);
      host.activity = {
        ...h,
        count: h.count + a.count,
        hosts: [...new Set([...h.hosts, ...a.hosts])].sort(),
        ...(Number.isFinite(first) ? { first } : {}),
        ...(Number.isFinite(last) ? { last } : {}),
      };
    }
    out.push(...kept.map((k) => k.activity));
  }
  return out;
}

/** Whether the activity's entry, parsed and compiled as a hunt would, matches another activity's sample. */
function coverage(a: Activity): (other: Activity) => boolean {
  const filter = loadRuleTexts([{ file: 'entry.yml', text: renderFilterDocument(a) }]).filters[0];
  const compiled = filter === undefined ? null : compileFilter(filter);
  // The filter's condition is `not selection`: the entry covers an event when that condition is false.
  return (other) => compiled !== null && !compiled.matcher(new EventCache(other.sample));
}
