import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { RuleSet } from '../../src/engine/rule-set.js';
import { readEvtxBuffer } from '../../src/formats/evtx/read-evtx.js';
import { normalizeWindowsEvent } from '../../src/pipeline/normalize-event.js';
import { resolveWindowsLogsource } from '../../src/pipeline/windows-logsources.js';
import { loadRules } from '../../src/rule/load-rules.js';
import { CORPUS, corpusAvailable, eventLoopTurn } from '../helpers.js';

/** Samples that cannot pass, with the reason. */
const SKIP: Record<string, string> = {};

const has = corpusAvailable();

describe.skipIf(!has)('SigmaHQ regression samples, hunted with the whole SigmaHQ corpus loaded', () => {
  test('each sample fires its rule at least match_count times', async () => {
    const sigma = join(CORPUS, 'sigmahq');
    const collection = loadRules(['rules', 'rules-emerging-threats', 'rules-threat-hunting', 'rules-placeholder', 'rules-compliance'].map((d) => join(sigma, d)));
    await eventLoopTurn();
    const set = RuleSet.compile(collection.rules, { logsource: resolveWindowsLogsource });
    await eventLoopTurn();
    expect(set.rules.length).toBeGreaterThan(2500);
    const infos: string[] = [];
    const walk = (p: string) => (statSync(p).isDirectory() ? readdirSync(p).forEach((e) => walk(join(p, e))) : p.endsWith('info.yml') && infos.push(p));
    walk(join(sigma, 'regression_data'));
    const failures: string[] = [];
    let checked = 0;
    for (const info of infos) {
      await eventLoopTurn();
      const doc = parse(readFileSync(info, 'utf8'));
      const ruleId = String(doc.rule_metadata?.[0]?.id ?? doc.id);
      for (const t of doc.regression_tests_info ?? []) {
        const evtx = join(sigma, String(t.path));
        let exists = true;
        try {
          statSync(evtx);
        } catch {
          exists = false;
        }
        if (!exists || !evtx.endsWith('.evtx')) continue;
        if (SKIP[ruleId] !== undefined) continue;
        let fired = 0;
        for (const it of readEvtxBuffer(readFileSync(evtx), evtx)) {
          if (it.kind !== 'record') continue;
          for (const m of set.match(normalizeWindowsEvent(it.event))) if (m.rule.id === ruleId) fired++;
        }
        checked++;
        const need = typeof t.match_count === 'number' ? t.match_count : 1;
        if (fired < need) failures.push(`${ruleId} ${evtx.replace(sigma, '')}: fired ${fired}, needs ${need}`);
      }
    }
    expect(checked).toBeGreaterThan(140);
    expect(failures).toEqual([]);
  });
});
