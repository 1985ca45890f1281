import type { BackendSpec } from '../../../src/backends/backend-spec.js';
import { convertRule, type ConvertedRule } from '../../../src/backends/convert-rule.js';
import { RuleSet } from '../../../src/engine/rule-set.js';
import { eventFromObject } from '../../../src/event/event.js';
import { normalizeWindowsEvent } from '../../../src/pipeline/normalize-event.js';
import { resolveWindowsLogsource } from '../../../src/pipeline/windows-logsources.js';
import { loadRuleTexts } from '../../../src/rule/load-rules.js';
import { adversarialEvents } from '../adversarial-events.js';
import { ecsDocs } from './ecs-docs.js';

/** The adversarial events as the engine reads them and as Winlogbeat documents (those it has a form for). */
export const ADVERSARIAL = (() => {
  const events = adversarialEvents().map((f) => normalizeWindowsEvent(eventFromObject(f, { file: 'adversarial' })));
  return { events, ...ecsDocs(events) };
})();

/** One rule's text converted for a target, with the engine's matches on the adversarial events that have a document. */
export function convertCase(text: string, backend: BackendSpec, target: string): { converted: ConvertedRule; want: number[] } {
  const collection = loadRuleTexts([{ file: 'rule.yml', text }]);
  const errors = collection.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(`the rule does not load: ${errors.map((d) => d.message).join('; ')}`);
  const set = RuleSet.compile(collection.rules, { logsource: resolveWindowsLogsource });
  const rule = set.rules[0];
  if (rule === undefined) throw new Error('the rule does not compile');
  const want = ADVERSARIAL.events.flatMap((e, i) => (set.match(e).length > 0 && !ADVERSARIAL.unrepresentable.has(i + 1) ? [i + 1] : []));
  return { converted: convertRule(rule.rule, backend, target, resolveWindowsLogsource), want };
}
