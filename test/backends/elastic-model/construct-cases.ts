import { describe, expect, test } from 'vitest';
import type { BackendSpec } from '../../../src/backends/backend-spec.js';
import { CONSTRUCTS, constructRule } from '../constructs.js';
import { convertRule, type ConvertedRule } from '../../../src/backends/convert-rule.js';
import { RuleSet } from '../../../src/engine/rule-set.js';
import { eventFromObject, type Event, type FieldValue } from '../../../src/event/event.js';
import { normalizeWindowsEvent } from '../../../src/pipeline/normalize-event.js';
import { resolveWindowsLogsource } from '../../../src/pipeline/windows-logsources.js';
import { loadRuleTexts } from '../../../src/rule/load-rules.js';
import { adversarialEvents } from '../adversarial-events.js';
import { ecsDocs, type EsDoc } from './ecs-docs.js';

/** The adversarial events as the engine reads them and as Winlogbeat documents (those it has a form for). */
export const ADVERSARIAL = (() => {
  const events = adversarialEvents().map((f) => normalizeWindowsEvent(eventFromObject(f, { file: 'adversarial' })));
  return { events, ...ecsDocs(events) };
})();

/** Events written for one test (normalised as the engine reads them) with their documents. */
export function eventsOf(rows: ReadonlyArray<Record<string, FieldValue>>): { events: Event[] } & ReturnType<typeof ecsDocs> {
  const events = rows.map((f) => normalizeWindowsEvent(eventFromObject(f, { file: 'case' })));
  return { events, ...ecsDocs(events) };
}

/** One rule's text converted for a target, with the engine's matches on the given events (default: the adversarial ones) that have a document. */
export function convertCase(text: string, backend: BackendSpec, target: string, on: { readonly events: readonly Event[]; readonly unrepresentable: ReadonlySet<number> } = ADVERSARIAL): { converted: ConvertedRule; want: number[] } {
  const collection = loadRuleTexts([{ file: 'rule.yml', text }]);
  const errors = collection.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(`the rule does not load: ${errors.map((d) => d.message).join('; ')}`);
  const set = RuleSet.compile(collection.rules, { logsource: resolveWindowsLogsource });
  const rule = set.rules[0];
  if (rule === undefined) throw new Error('the rule does not compile');
  const want = on.events.flatMap((e, i) => (set.match(e).length > 0 && !on.unrepresentable.has(i + 1) ? [i + 1] : []));
  return { converted: convertRule(rule.rule, backend, target, resolveWindowsLogsource), want };
}

/** One value in each field: ES|QL's and EQL's functions and comparisons take one value (null on several); Winlogbeat writes one value per event-data field. */
export const singleValued = (doc: EsDoc): boolean => Object.values(doc).every((v) => v.length <= 1);

/** The constructs the Elastic targets refuse, with the code (ES|QL converts fieldref). */
export const ELASTIC_REFUSALS: Readonly<Record<string, string>> = {
  keyword: 'convert-keyword',
  fieldref: 'convert-fieldref',
  'fieldref endswith': 'convert-fieldref',
  'IPv4-mapped in an IPv6 network': 'convert-cidr',
  'regex with \\b, \\d and a class': 'convert-regex',
  'regex multiline anchor': 'convert-regex',
};

/**
 * Each construct of constructs.ts as a test on the adversarial events: refused with the expected code, or its query's
 * matches in the model (`run` over the documents `keep` admits) equal the engine's on those events.
 */
export function describeConstructs(
  title: string,
  target: { readonly name: string; readonly backend: BackendSpec },
  refusals: Readonly<Record<string, string>>,
  run: (query: string, docs: ReadonlyArray<{ id: number; doc: EsDoc }>) => number[],
  keep: (doc: EsDoc) => boolean = () => true,
): void {
  describe(title, () => {
    const docs = ADVERSARIAL.docs.filter((x) => keep(x.doc));
    const kept = new Set(docs.map((x) => x.id));
    for (const c of CONSTRUCTS) {
      test(c.name, () => {
        const { converted, want } = convertCase(constructRule(c), target.backend, target.name);
        const refusal = refusals[c.name];
        if (refusal !== undefined) {
          expect(converted.query).toBeUndefined();
          expect(converted.diagnostics.map((x) => x.code)).toContain(refusal);
          return;
        }
        expect(converted.diagnostics).toEqual([]);
        expect(run(converted.query as string, docs)).toEqual(want.filter((id) => kept.has(id)));
      });
    }
  });
}
