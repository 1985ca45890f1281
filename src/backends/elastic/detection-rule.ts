import { createHash } from 'node:crypto';
import { attackOf } from '../../rule/attack-tags.js';
import type { SigmaRule } from '../../rule/model.js';
import { TECHNIQUE_NAMES } from './attack-techniques.js';

export type ElasticLanguage = 'lucene' | 'esql' | 'eql';

/** Elastic's severity and risk score for each Sigma level (informational has no severity of its own there). */
const SEVERITY: Readonly<Record<string, readonly [string, number]>> = {
  informational: ['low', 21],
  low: ['low', 21],
  medium: ['medium', 47],
  high: ['high', 73],
  critical: ['critical', 99],
};

const TYPE: Readonly<Record<ElasticLanguage, string>> = { lucene: 'query', esql: 'esql', eql: 'eql' };
const attackUrl = (id: string) => `https://attack.mitre.org/${id.startsWith('TA') ? 'tactics' : 'techniques'}/${id.replace('.', '/')}/`;

/**
 * The rule's ATT&CK tags as Elastic's threat mapping, offline: one entry per tactic tag, each with the rule's
 * techniques (Sigma tags do not say which technique goes with which tactic) and their sub-techniques; names from a
 * table of tactics and of the commonest techniques, else the id. No tactic tag: no entry (Elastic requires one).
 */
export function threatOf(tags: readonly string[]): unknown[] {
  const { tactics, techniques } = attackOf(tags);
  const parents = [...new Set(techniques.map((t) => t.split('.')[0] as string))];
  const technique = parents.map((id) => ({
    id,
    name: TECHNIQUE_NAMES[id] ?? id,
    reference: attackUrl(id),
    subtechnique: techniques.filter((t) => t.startsWith(`${id}.`)).map((sub) => ({ id: sub, name: sub, reference: attackUrl(sub) })),
  }));
  return tactics.map(([, id, name]) => ({ framework: 'MITRE ATT&CK', tactic: { id, name, reference: attackUrl(id) }, technique }));
}

/** The rule's id, or for a rule without one a stable id from its file and title (Elastic requires a rule_id). */
function ruleId(rule: SigmaRule): string {
  if (rule.id !== undefined) return rule.id;
  const h = createHash('sha256').update(`${rule.file}\u0000${rule.title}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}

export interface DetectionRuleOptions {
  /** How often the rule runs and how far back each run looks, in Elastic's form (5m, 1h). */
  readonly interval: string;
  /** False for a rule that only feeds a correlation (it raises no alert of its own). */
  readonly enabled: boolean;
}

/**
 * One rule as an Elastic detection rule (the import format of Kibana's Security rules, one JSON object a line):
 * rule_id the Sigma id, the query in its language, index winlogbeat-* (ES|QL names its source in the query), the
 * schedule, severity and risk score from the level, the ATT&CK mapping, and the rule's own metadata. The license is
 * the rule's own `license:` when it has one (never assumed).
 */
export function elasticDetectionRule(rule: SigmaRule, query: string, language: ElasticLanguage, options: DetectionRuleOptions): string {
  const [severity, risk] = SEVERITY[rule.level ?? 'medium'] ?? ['medium', 47];
  const license = rule.raw['license'];
  const doc = {
    rule_id: ruleId(rule),
    name: rule.title,
    description: [rule.description?.trim() ?? rule.title, `Converted by sigmatch from the Sigma rule ${rule.id ?? rule.title} (${rule.file}).`].join('\n'),
    type: TYPE[language],
    language,
    query,
    ...(language === 'esql' ? {} : { index: ['winlogbeat-*'] }),
    interval: options.interval,
    from: `now-${options.interval}`,
    to: 'now',
    enabled: options.enabled,
    severity,
    risk_score: risk,
    threat: threatOf(rule.tags),
    tags: [...rule.tags],
    references: [...rule.references],
    false_positives: [...rule.falsepositives],
    author: rule.author === undefined ? [] : rule.author.split(/\s*,\s*/).filter((a) => a !== ''),
    ...(typeof license === 'string' ? { license } : {}),
    version: 1,
  };
  return JSON.stringify(doc);
}
