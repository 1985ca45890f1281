import { expect } from 'vitest';
import { sigmatchAsync } from '../cli/run-cli.js';

/** A firing as the correlation differentials compare it: correlation title, group values, window end, aggregate, contributor count. */
export const firingKey = (title: string, group: Record<string, unknown>, end: number, aggregate: number, count: number) =>
  `${title} | ${JSON.stringify(Object.entries(group).map(([k, v]) => [k, String(v)]).sort())} | end ${new Date(end).toISOString()} | ${aggregate} | ${count} events`;

export const titleOf = (key: string) => key.split(' | ')[0] as string;

/** The hunt's correlation alerts (`hunt --only-correlations`, JSONL) as firing keys, sorted. */
export async function engineFirings(rules: string, input: string): Promise<string[]> {
  const r = await sigmatchAsync(['hunt', '--only-correlations', '--format', 'jsonl', '--quiet', '--rules', rules, input]);
  expect(r.stderr).toBe('');
  const keys: string[] = [];
  for (const line of r.stdout.split('\n')) {
    if (line === '') continue;
    const alert = JSON.parse(line) as { rule: { name: string }; sigmatch: { correlation: { group: Record<string, unknown>; window: { end: string }; aggregate: { value: number }; contributor_count: number } } };
    const c = alert.sigmatch.correlation;
    keys.push(firingKey(alert.rule.name, c.group, Date.parse(c.window.end), c.aggregate.value, c.contributor_count));
  }
  return keys.sort();
}
