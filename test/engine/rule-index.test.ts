import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { generateEvents } from '../../bench/generate-corpus.js';
import { EventCache } from '../../src/compile/event-cache.js';
import { RuleSet } from '../../src/engine/rule-set.js';
import type { Event } from '../../src/event/event.js';
import { readEvtxBuffer } from '../../src/formats/evtx/read-evtx.js';
import { writeEvtxBuffer } from '../../src/formats/evtx/write-evtx.js';
import { normalizeWindowsEvent } from '../../src/pipeline/normalize-event.js';
import { resolveWindowsLogsource } from '../../src/pipeline/windows-logsources.js';
import { loadRules } from '../../src/rule/load-rules.js';
import { CORPUS, corpusAvailable } from '../helpers.js';

const has = corpusAvailable();

describe.skipIf(!has)('the rule index never changes what matches', () => {
  test('SigmaHQ rules on generated and real events: indexed = every rule tried', () => {
    const collection = loadRules([join(CORPUS, 'sigmahq/rules/windows')]);
    const set = RuleSet.compile(collection.rules, { logsource: resolveWindowsLogsource });
    const indexable = set.rules.filter((r) => r.logsource !== undefined).length;
    expect(indexable / set.rules.length).toBeGreaterThan(0.95);
    const events: Event[] = [];
    for (const it of readEvtxBuffer(writeEvtxBuffer(generateEvents(3000, 7)), 'g.evtx')) if (it.kind === 'record') events.push(it.event);
    const samples: string[] = [];
    const walk = (p: string) => (statSync(p).isDirectory() ? readdirSync(p).forEach((e) => walk(join(p, e))) : p.endsWith('.evtx') && samples.push(p));
    walk(join(CORPUS, 'sigmahq/regression_data'));
    for (const f of samples) for (const it of readEvtxBuffer(readFileSync(f), f)) if (it.kind === 'record') events.push(it.event);
    let hits = 0;
    for (const raw of events) {
      const e = normalizeWindowsEvent(raw);
      const cache = new EventCache(e);
      const brute = set.rules.filter((r) => r.matcher(cache)).map((r) => r.rule.id);
      const indexed = set.match(e).map((r) => r.rule.id);
      expect(indexed).toEqual(brute);
      hits += indexed.length;
    }
    expect(hits).toBeGreaterThan(150);
  });
});
