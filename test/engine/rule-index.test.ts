import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { generateEvents } from '../../bench/generate-corpus.js';
import { EventCache } from '../../src/compile/event-cache.js';
import { RuleIndex } from '../../src/engine/rule-index.js';
import { RuleSet } from '../../src/engine/rule-set.js';
import type { Event, FieldValue } from '../../src/event/event.js';
import { readEvtxBuffer } from '../../src/formats/evtx/read-evtx.js';
import { writeEvtxBuffer } from '../../src/formats/evtx/write-evtx.js';
import { normalizeWindowsEvent } from '../../src/pipeline/normalize-event.js';
import { resolveWindowsLogsource } from '../../src/pipeline/windows-logsources.js';
import { loadRules } from '../../src/rule/load-rules.js';
import { CORPUS, corpusAvailable, ev, eventLoopTurn, load } from '../helpers.js';

const has = corpusAvailable();

describe.skipIf(!has)('the rule index never changes what matches', () => {
  test('SigmaHQ rules on generated and real events: indexed = every rule tried', async () => {
    const collection = loadRules([join(CORPUS, 'sigmahq/rules/windows')]);
    await eventLoopTurn();
    const set = RuleSet.compile(collection.rules, { logsource: resolveWindowsLogsource });
    await eventLoopTurn();
    const indexable = set.rules.filter((r) => r.logsource !== undefined).length;
    expect(indexable / set.rules.length).toBeGreaterThan(0.95);
    const events: Event[] = [];
    for (const it of readEvtxBuffer(writeEvtxBuffer(generateEvents(3000, 7)), 'g.evtx')) if (it.kind === 'record') events.push(it.event);
    const samples: string[] = [];
    const walk = (p: string) => (statSync(p).isDirectory() ? readdirSync(p).forEach((e) => walk(join(p, e))) : p.endsWith('.evtx') && samples.push(p));
    walk(join(CORPUS, 'sigmahq/regression_data'));
    for (const f of samples) for (const it of readEvtxBuffer(readFileSync(f), f)) if (it.kind === 'record') events.push(it.event);
    let hits = 0;
    for (const [i, raw] of events.entries()) {
      if (i % 500 === 0) await eventLoopTurn();
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

describe('event IDs a detection requires narrow its buckets', () => {
  const rule = (logsource: string, detection: string) =>
    load(`title: T\nid: 0b2b3a9e-6a52-4c3e-9a4a-3b1f3f0d6c12\nlogsource:\n${logsource}\ndetection:\n${detection}\nlevel: low\n`).rules[0]!;
  const sysmonAny = '    product: windows\n    service: sysmon';
  const set = RuleSet.compile(
    [
      rule(sysmonAny, '    sel:\n        EventID: 16\n    condition: sel'),
      rule(sysmonAny, "    sel:\n        EventID:\n            - 4\n            - '16'\n    filter:\n        EventID: 4\n    condition: sel and not filter"),
      rule('    product: windows\n    category: process_creation', '    sel:\n        EventID: 3\n    condition: sel'),
    ],
    { logsource: resolveWindowsLogsource },
  );
  // Buckets alone (the literal prefilter off): which rules an event's channel and ID let it meet.
  const index = new RuleIndex(set.rules, { prefilter: false });
  const candidates = (fields: Record<string, FieldValue>, by = index) => {
    const e = ev({ Channel: 'Microsoft-Windows-Sysmon/Operational', ...fields });
    return by.candidates(e, new EventCache(e)).map((r) => set.rules.indexOf(r));
  };

  test('a rule for any Sysmon event that asks for EventID 16 meets only event 16, however it is written', () => {
    expect(candidates({ EventID: 16 })).toEqual([0, 1]);
    expect(candidates({ EventID: '16' })).toEqual([0, 1]);
    expect(candidates({ EventID: ' 16' })).toEqual([0, 1]);
    expect(candidates({ EventID: 4 })).toEqual([1]);
    expect(candidates({ EventID: 1 })).toEqual([]);
    // With the prefilter, numeric equality is an anchor too: rule 1 asks for the number 4 or the text '16',
    // so ' 16' (neither) cannot match it and it is not tried; '16' and 16 still are.
    const full = new RuleIndex(set.rules);
    expect(candidates({ EventID: ' 16' }, full)).toEqual([0]);
    const e = ev({ Channel: 'Microsoft-Windows-Sysmon/Operational', EventID: ' 16' });
    expect(set.rules[1]!.matcher(new EventCache(e))).toBe(false);
    expect(candidates({ EventID: '16' }, full)).toEqual([0, 1]);
    expect(candidates({ EventID: 16 }, full)).toEqual([0, 1]);
    expect(candidates({ EventID: 4 }, full)).toEqual([1]);
  });

  test('a detection EventID outside its logsource IDs can never match and is never tried', () => {
    expect(candidates({ EventID: 3 })).toEqual([]);
    expect(candidates({ EventID: 1 })).toEqual([]);
  });

  test('matching agrees with trying every rule', () => {
    for (const id of [16, '16', ' 16', 4, 1, 3, '0x10']) {
      const e = ev({ Channel: 'Microsoft-Windows-Sysmon/Operational', EventID: id });
      const cache = new EventCache(e);
      expect(set.match(e).map((r) => set.rules.indexOf(r))).toEqual(set.rules.flatMap((r, i) => (r.matcher(cache) ? [i] : [])));
    }
  });
});

describe('numeric equality as a prefilter anchor', () => {
  const rule = (detection: string) =>
    load(`title: T\nid: 0b2b3a9e-6a52-4c3e-9a4a-3b1f3f0d6c13\nlogsource:\n    product: windows\n    category: network_connection\ndetection:\n${detection}\nlevel: low\n`).rules[0]!;
  const set = RuleSet.compile(
    [
      rule('    sel:\n        Initiated: \'true\'\n        DestinationPort:\n            - 3389\n            - 5985\n    condition: sel'),
      rule('    sel:\n        DestinationPort: 88\n    filter:\n        Image|endswith: \\lsass.exe\n    condition: sel and not filter'),
    ],
    { logsource: resolveWindowsLogsource },
  );
  const index = new RuleIndex(set.rules);

  test('every way a value can be that number is found, and other values are not tried', () => {
    const forms: FieldValue[] = [3389, '3389', ' 3389 ', '03389', '3389.0', '3.389e3', ['80', '3389'], 88, '88', 3389n, '443', 'x3389', null];
    for (const port of forms) {
      const e = normalizeWindowsEvent(ev({ Channel: 'Microsoft-Windows-Sysmon/Operational', EventID: 3, Initiated: 'true', Image: 'C:\\x.exe', DestinationPort: port }));
      const cache = new EventCache(e);
      const brute = set.rules.flatMap((r, i) => (r.matcher(cache) ? [i] : []));
      const tried = index.candidates(e, cache).map((r) => set.rules.indexOf(r));
      // Never a match left out; and with a number in the anchor, nothing else is tried.
      expect(tried).toEqual(brute);
    }
  });
});
