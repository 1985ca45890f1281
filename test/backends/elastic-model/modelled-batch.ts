import type { CompiledRule } from '../../../src/compile/compile-rule.js';
import type { BackendSpec } from '../../../src/backends/backend-spec.js';
import { convertRule } from '../../../src/backends/convert-rule.js';
import { resolveWindowsLogsource } from '../../../src/pipeline/windows-logsources.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { corpusAvailable } from '../../helpers.js';
import { BATCHES, prepareDifferential, type BatchRecord, type Differential } from '../differential.js';
import { reportRecord } from '../report-record.js';
import { ecsDocs, type EsDoc } from './ecs-docs.js';

/** What one modelled target needs: its backend, and the model's matches of a converted query (throws when the query is outside the model). */
export interface ModelledTarget {
  readonly target: string;
  readonly backend: BackendSpec;
  readonly run: (query: string) => readonly number[];
  /** Events the target's data has no form for: their engine matches are left out too. */
  readonly left: ReadonlySet<number>;
}

const ruleName = (c: CompiledRule) => `${c.rule.id ?? c.rule.title} ${c.rule.file.replace(/^.*\/rules\//, 'rules/')}`;
const short = (xs: readonly number[]) => `[${xs.slice(0, 8).join(', ')}]`;

/** The rules of batch `index`: each converted, run in the model and compared with the engine; `found` counts rules whose engine matches are not empty. */
export function modelledBatch(d: Differential, index: number, m: ModelledTarget): { record: BatchRecord; found: number } {
  const size = Math.ceil(d.rules.length / BATCHES);
  const record: BatchRecord = { converted: 0, agreeing: 0, disagreeing: [], refused: [] };
  let found = 0;
  for (const compiled of d.rules.slice(index * size, (index + 1) * size)) {
    const out = convertRule(compiled.rule, m.backend, m.target, resolveWindowsLogsource);
    const rule = ruleName(compiled);
    if (out.query === undefined) {
      const reasons = out.diagnostics.map((x) => `${x.code}: ${x.message.replace(/^rule '.*?' \(.*?\)(: | cannot be converted to [\w-]+: )/, '')}`);
      record.refused.push({ rule, reason: reasons.join('; ') });
      continue;
    }
    record.converted++;
    const want = (d.expected.get(compiled) ?? []).filter((id) => !m.left.has(id));
    if (want.length > 0) found++;
    let got: readonly number[];
    try {
      got = m.run(out.query);
    } catch (e) {
      record.disagreeing.push({ rule, reason: `${(e as Error).message}\n${out.query.slice(0, 400)}` });
      continue;
    }
    const wanted = new Set(want);
    const gotten = new Set(got);
    const extra = got.filter((x) => !wanted.has(x));
    const missing = want.filter((x) => !gotten.has(x));
    if (extra.length === 0 && missing.length === 0) record.agreeing++;
    else record.disagreeing.push({ rule, reason: `query matched ${got.length}, engine ${want.length}; only the query: ${short(extra)}, only the engine: ${short(missing)}\n${out.query.slice(0, 600)}` });
  }
  return { record, found };
}

/**
 * The modelled differential of one target as a vitest suite: the corpus prepared once, BATCHES tests of rules (each
 * expecting no disagreement), a summary test, and the record written for the README table.
 */
export function describeModelled(title: string, target: string, setup: (d: Differential) => ModelledTarget & { readonly documents: number }): void {
  describe.skipIf(!corpusAvailable())(title, () => {
    let d: Differential;
    let model: ModelledTarget & { readonly documents: number };
    const records: BatchRecord[] = [];
    let found = 0;
    beforeAll(async () => {
      d = await prepareDifferential();
      model = setup(d);
    }, 120_000);
    afterAll(() => {
      if (records.length === BATCHES) reportRecord(`${target}-modelled`, records);
    });
    for (let i = 0; i < BATCHES; i++) {
      test(`rule batch ${i + 1} of ${BATCHES}`, () => {
        const out = modelledBatch(d, i, model);
        records.push(out.record);
        found += out.found;
        expect(out.record.disagreeing).toEqual([]);
      }, 60_000);
    }
    test('the batches converted rules, many of which find something', () => {
      expect(records.reduce((n, r) => n + r.converted, 0)).toBeGreaterThan(1500);
      expect(found).toBeGreaterThan(150);
      console.log(`${target}: ${found} converted rules match at least one event; ${model.documents} documents, ${model.left.size} events left out`);
    });
  });
}

/** A target over the corpus's ECS documents (those `keep` admits; the rest left out with their engine matches), each query run by `matches`. */
export function ecsModel<Q>(d: Differential, target: string, backend: BackendSpec, parse: (query: string) => Q, matches: (q: Q, doc: EsDoc) => boolean, keep: (doc: EsDoc) => boolean = () => true): ModelledTarget & { readonly documents: number } {
  const built = ecsDocs(d.corpus.events);
  const left = new Set(built.unrepresentable);
  for (const x of built.docs) if (!keep(x.doc)) left.add(x.id);
  const docs = built.docs.filter((x) => !left.has(x.id));
  return {
    target,
    backend,
    left,
    documents: docs.length,
    run: (query) => {
      const q = parse(query);
      return docs.filter((x) => matches(q, x.doc)).map((x) => x.id);
    },
  };
}
