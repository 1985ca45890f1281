import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { expect, test } from 'vitest';
import { generateEvents } from '../../bench/generate-corpus.js';
import { anchorOf } from '../../src/compile/anchor.js';
import { RuleSet, type ShippedRule } from '../../src/engine/rule-set.js';
import type { Event } from '../../src/event/event.js';
import { readEvtxBuffer, readEvtxFile } from '../../src/formats/evtx/read-evtx.js';
import { writeEvtxBuffer } from '../../src/formats/evtx/write-evtx.js';
import { normalizeWindowsEvent } from '../../src/pipeline/normalize-event.js';
import { resolveWindowsLogsource } from '../../src/pipeline/windows-logsources.js';
import { loadRules } from '../../src/rule/load-rules.js';
import { CORPUS, corpusAvailable, eventLoopTurn, load } from '../helpers.js';

/** Per event, the indexes of the rules that matched and the filters that suppress each. */
function verdicts(set: RuleSet, events: readonly Event[]): string[] {
  const index = new Map(set.rules.map((r, i) => [r, i]));
  return events.map((e) =>
    set
      .match(e)
      .map((r) => {
        const i = index.get(r) as number;
        return `${i}${JSON.stringify(set.suppressedBy(i) ?? [])}`;
      })
      .join(' '),
  );
}

test('a rule set shipped to a worker as IR matches as the one compiled from the rules', async () => {
  const dirs = corpusAvailable() ? [join(CORPUS, 'sigmahq/rules/windows'), 'rules'] : ['rules'];
  const collection = loadRules(dirs);
  await eventLoopTurn();
  // Filters that suppress some alerts (one for every rule, one naming rules by title), so that the gates are compared too.
  const titles = collection.rules.slice(0, 40).map((r) => `        - '${r.title.replace(/'/g, "''")}'`);
  const filters = load(`title: Not cmd
logsource:
    product: windows
filter:
    rules: any
    selection:
        Image|endswith: '\\cmd.exe'
    condition: not selection
---
title: Not by SYSTEM
logsource:
    product: windows
filter:
    rules:
${titles.join('\n')}
    selection:
        User|contains: 'SYSTEM'
    condition: not selection
`).filters;
  expect(filters.length).toBe(2);
  const options = { logsource: resolveWindowsLogsource, filters: [...collection.filters, ...filters] };
  const compiled = RuleSet.compile(collection.rules, options);
  // As a worker gets it: the rules serialized, the IR bytes shared as they are.
  const data = compiled.shipped();
  const shipped = RuleSet.fromShipped({ ...data, rules: deserialize(serialize(data.rules)) as ShippedRule[] }, options);
  expect(shipped.rules.length).toBe(compiled.rules.length);
  expect(shipped.rules.map((r) => r.rule.title)).toEqual(compiled.rules.map((r) => r.rule.title));
  expect(shipped.logsource).toBe(resolveWindowsLogsource);
  // The shipped rules carry no detections or descriptions: the IR is what matches.
  expect(shipped.rules.every((r) => r.rule.detections.size === 0 && r.rule.description === undefined)).toBe(true);
  // The index's event IDs and each rule's IR, once read, are the compiled set's.
  expect(shipped.rules.map((r) => [...(r.eventIds ?? [])])).toEqual(compiled.rules.map((r) => [...(r.eventIds ?? [])]));
  expect(data.rules.map((r) => r.anchor)).toEqual(compiled.rules.map((r) => anchorOf(r.ir)));
  for (const i of [0, 7, compiled.rules.length - 1]) {
    expect(shipped.rules[i]?.ir).toEqual(compiled.rules[i]?.ir);
    expect(shipped.rules[i]?.logsourceIr).toEqual(compiled.rules[i]?.logsourceIr);
  }
  await eventLoopTurn();

  const events: Event[] = [];
  for (const it of readEvtxBuffer(writeEvtxBuffer(generateEvents(4000, 3, { injectEvery: 50 })), 'g.evtx')) if (it.kind === 'record') events.push(normalizeWindowsEvent(it.event));
  if (corpusAvailable()) {
    const walk = (p: string): void => {
      if (statSync(p).isDirectory()) for (const e of readdirSync(p).sort()) walk(join(p, e));
      else if (p.endsWith('.evtx')) for (const it of readEvtxFile(p)) if (it.kind === 'record') events.push(normalizeWindowsEvent(it.event));
    };
    walk(join(CORPUS, 'evtx/evtx-to-mitre-attack'));
  }
  await eventLoopTurn();
  const want = verdicts(compiled, events);
  expect(want.filter((v) => v !== '').length).toBeGreaterThan(100);
  expect(want.some((v) => v.includes('[0]') || v.includes('[1]') || v.includes(','))).toBe(true);
  expect(verdicts(shipped, events)).toEqual(want);
}, 60_000);

test('a shipped rule set reads a rule\'s IR only when something needs it', () => {
  const compiled = RuleSet.compile(loadRules(['rules']).rules, { logsource: resolveWindowsLogsource });
  const data = compiled.shipped();
  expect(data.ends.length).toBe(compiled.rules.length);
  // Rule 1's bytes spoiled: the set still builds and rule 0 still reads; rule 1 fails only when read.
  const ir = new SharedArrayBuffer(data.ir.byteLength);
  new Uint8Array(ir).set(new Uint8Array(data.ir));
  new Uint8Array(ir).fill(0, data.ends[0], data.ends[1]);
  const spoiled = RuleSet.fromShipped({ ...data, ir }, { logsource: resolveWindowsLogsource });
  expect(spoiled.rules[0]?.ir).toEqual(compiled.rules[0]?.ir);
  expect(() => spoiled.rules[1]?.ir).toThrow();
});
