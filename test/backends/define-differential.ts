import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { TargetName } from '../../src/backends/registry.js';
import { corpusAvailable } from '../helpers.js';
import { BATCHES, prepareDifferential, runBatch, type BatchRecord, type Differential, type QueryStore } from './differential.js';
import { reportRecord } from './report-record.js';

/**
 * The differential suite of one SQL target: the corpus loaded into a real database, every converted rule's query run
 * there, its record ids compared with the engine's, one test per rule batch. `open` returns undefined to skip (said
 * by the caller; under CI=true it must throw instead).
 */
export function defineDifferential(target: TargetName, open: () => Promise<{ store: QueryStore; stop: () => void } | undefined>): void {
  const has = corpusAvailable();
  describe.skipIf(!has)(`${target}: converted queries find what the engine finds`, () => {
    let d: Differential;
    let db: { store: QueryStore; stop: () => void } | undefined;
    const records: BatchRecord[] = [];
    beforeAll(async () => {
      db = await open();
      if (db === undefined) return;
      d = await prepareDifferential();
      await db.store.createTable(true);
      await db.store.insert(d.corpus.rows);
    }, 120_000);
    afterAll(async () => {
      await db?.store.close();
      db?.stop();
      if (records.length === BATCHES) reportRecord(target, records);
    });
    for (let i = 0; i < BATCHES; i++) {
      test(`rule batch ${i + 1} of ${BATCHES}`, async (ctx) => {
        if (db === undefined) return ctx.skip();
        const r = await runBatch(d, target, db.store, i);
        records.push(r);
        expect(r.converted).toBeGreaterThan(0);
        expect(r.disagreeing).toEqual([]);
      }, 60_000);
    }
  });
}
