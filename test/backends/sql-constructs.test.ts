import { describe, expect, test } from 'vitest';
import { convertRule } from '../../src/backends/convert-rule.js';
import { BACKENDS } from '../../src/backends/registry.js';
import { eventRow } from '../../src/backends/sql/events-table.js';
import { RuleSet } from '../../src/engine/rule-set.js';
import { eventFromObject } from '../../src/event/event.js';
import { normalizeWindowsEvent } from '../../src/pipeline/normalize-event.js';
import { resolveWindowsLogsource } from '../../src/pipeline/windows-logsources.js';
import { loadRuleTexts } from '../../src/rule/load-rules.js';
import { adversarialEvents } from './adversarial-events.js';
import { CONSTRUCTS, constructRule } from './constructs.js';
import { useStore } from './open-store.js';

const events = adversarialEvents().map((f) => normalizeWindowsEvent(eventFromObject(f, { file: 'adversarial' })));
const rows = events.map((e, i) => eventRow(e, i + 1));

/** Per construct, on the adversarial rows: the converted query's record ids equal the engine's, or the target refuses it with the expected code. */
describe.each(['sqlite', 'duckdb', 'postgres', 'clickhouse'] as const)('%s: each construct matches what the engine matches', (target: 'sqlite' | 'duckdb' | 'postgres' | 'clickhouse') => {
  const opened = useStore(target, rows);
  for (const c of CONSTRUCTS) test(c.name, async (ctx) => {
    const store = opened();
    if (store === undefined) return ctx.skip();
    const collection = loadRuleTexts([{ file: 'rule.yml', text: constructRule(c) }]);
    expect(collection.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const set = RuleSet.compile(collection.rules, { logsource: resolveWindowsLogsource });
    const rule = set.rules[0];
    if (rule === undefined) throw new Error('the construct does not compile');
    const want = events.flatMap((e, i) => (set.match(e).length > 0 ? [i + 1] : []));
    const converted = convertRule(rule.rule, BACKENDS[target], target, resolveWindowsLogsource);
    const refusal = c.refusedBy?.[target];
    if (refusal !== undefined) {
      expect(converted.query).toBeUndefined();
      expect(converted.diagnostics.map((d) => d.code)).toContain(refusal);
      return;
    }
    expect(converted.diagnostics).toEqual([]);
    expect(await store.recordIds(converted.query as string)).toEqual(want);
    // A construct no row matches would prove nothing; 'regex bound' and the refusals aside, each finds something.
    if (!c.name.startsWith('regex bound') && c.name !== 'regex dot and newline') expect(want.length).toBeGreaterThan(0);
  });
});
