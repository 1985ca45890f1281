import { join, resolve } from 'node:path';
import type { CompiledRule } from '../../src/compile/compile-rule.js';
import { convertRule } from '../../src/backends/convert-rule.js';
import type { EventStore } from '../../src/backends/db/event-store.js';
import { BACKENDS, type TargetName } from '../../src/backends/registry.js';
import { RuleSet } from '../../src/engine/rule-set.js';
import { resolveWindowsLogsource } from '../../src/pipeline/windows-logsources.js';
import { loadRules } from '../../src/rule/load-rules.js';
import { CORPUS, eventLoopTurn } from '../helpers.js';
import { differentialCorpus, type DifferentialCorpus } from './differential-corpus.js';

export const BATCHES = 48;

/** What the differential needs of a database: an EventStore's table, inserts and queries (chDB's test store has no more). */
export type QueryStore = Pick<EventStore, 'createTable' | 'insert' | 'recordIds' | 'close'>;

export interface Outcome {
  readonly rule: string;
  readonly reason: string;
}

export interface BatchRecord {
  converted: number;
  agreeing: number;
  disagreeing: Outcome[];
  refused: Outcome[];
}

export interface Differential {
  readonly corpus: DifferentialCorpus;
  readonly rules: readonly CompiledRule[];
  /** The record ids the engine matched, per compiled rule. */
  readonly expected: ReadonlyMap<CompiledRule, readonly number[]>;
}

/** Every SigmaHQ Windows rule and the built-in pack, compiled with the Windows pipeline, and the engine's matches on the corpus. */
export async function prepareDifferential(): Promise<Differential> {
  const collection = loadRules([join(CORPUS, 'sigmahq', 'rules', 'windows'), resolve(__dirname, '../../rules')]);
  await eventLoopTurn();
  const set = RuleSet.compile(collection.rules, { logsource: resolveWindowsLogsource });
  await eventLoopTurn();
  const corpus = differentialCorpus();
  await eventLoopTurn();
  const expected = new Map<CompiledRule, number[]>(set.rules.map((r) => [r, []]));
  corpus.events.forEach((e, i) => {
    for (const r of set.match(e)) expected.get(r)?.push(i + 1);
  });
  return { corpus, rules: set.rules, expected };
}

/** Converts batch `index` of BATCHES, runs each query in the store, compares the record ids with the engine's. */
export async function runBatch(d: Differential, target: TargetName, store: QueryStore, index: number): Promise<BatchRecord> {
  const size = Math.ceil(d.rules.length / BATCHES);
  const rules = d.rules.slice(index * size, (index + 1) * size);
  const record: BatchRecord = { converted: 0, agreeing: 0, disagreeing: [], refused: [] };
  for (const compiled of rules) {
    const name = `${compiled.rule.id ?? compiled.rule.title} ${compiled.rule.file.replace(/^.*\/rules\//, 'rules/')}`;
    const converted = convertRule(compiled.rule, BACKENDS[target], target, resolveWindowsLogsource);
    if (converted.query === undefined) {
      record.refused.push({ rule: name, reason: converted.diagnostics.map((x) => `${x.code}: ${x.message.replace(/^rule '.*?' \(.*?\): /, '')}`).join('; ') });
      continue;
    }
    record.converted++;
    let got: number[];
    try {
      got = await store.recordIds(converted.query);
    } catch (e) {
      record.disagreeing.push({ rule: name, reason: `the query failed: ${(e as Error).message}` });
      continue;
    }
    const want = d.expected.get(compiled) ?? [];
    if (sameIds(got, want)) record.agreeing++;
    else record.disagreeing.push({ rule: name, reason: describeDifference(got, want) });
  }
  return record;
}

function sameIds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function describeDifference(got: readonly number[], want: readonly number[]): string {
  const g = new Set(got);
  const w = new Set(want);
  const extra = got.filter((x) => !w.has(x));
  const missing = want.filter((x) => !g.has(x));
  return `query matched ${got.length}, engine ${want.length}; only the query: [${extra.slice(0, 8).join(', ')}], only the engine: [${missing.slice(0, 8).join(', ')}]`;
}
