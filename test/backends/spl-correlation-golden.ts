import { convertRule } from '../../src/backends/convert-rule.js';
import { BACKENDS } from '../../src/backends/registry.js';
import { convertCorrelationsSpl } from '../../src/backends/splunk/spl-correlation.js';
import { resolveWindowsLogsource } from '../../src/pipeline/windows-logsources.js';
import { loadRules } from '../../src/rule/load-rules.js';
import { CORRELATION_TYPES } from '../engine/correlation-stream.js';
import { parsePipeline } from './spl-model/pipeline.js';

/**
 * The golden file's correlation sections for splunk (golden.test.ts appends them to splunk.txt): each correlation of
 * fixtures/correlation-types.yml with its search or its refusal. Each search must read in the SPL model's parser.
 */
export function splunkCorrelationSections(): string[] {
  const loaded = loadRules([CORRELATION_TYPES]);
  const queries = new Map(loaded.rules.map((r) => [r, convertRule(r, BACKENDS.splunk, 'splunk', resolveWindowsLogsource).query]));
  const parts = [`# correlations of ${CORRELATION_TYPES}`, ''];
  for (const c of convertCorrelationsSpl(loaded.rules, loaded.correlations, (rule) => {
    const q = queries.get(rule);
    return q === undefined ? { reason: 'not converted' } : { query: q };
  })) {
    parts.push(`## correlation ${c.correlation.title} (${c.correlation.type})`);
    if (c.query !== undefined) {
      parsePipeline(c.query);
      parts.push(c.query);
    } else for (const d of c.diagnostics) parts.push(`REFUSED ${d.code}: ${d.message.replace(/^correlation '.*?' \(.*?\):? /, '')}`);
    parts.push('');
  }
  return parts;
}
