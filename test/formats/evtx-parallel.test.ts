import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generateEvents } from '../../bench/generate-corpus.js';
import { readEvtxFile } from '../../src/formats/evtx/read-evtx.js';
import { writeEvtxFile } from '../../src/formats/evtx/write-evtx.js';
import { CORPUS } from '../helpers.js';
import { sigmatch } from '../cli/run-cli.js';

// Workers load the built JavaScript, so the library is imported from dist/ as a user would (built by the CLI helper).
type Parallel = typeof import('../../src/index.js');
let par: Parallel;
let dir: string;
let generated: string;

beforeAll(async () => {
  sigmatch(['--version']);
  par = (await import('../../dist/src/index.js' as string)) as Parallel;
  dir = mkdtempSync(join(tmpdir(), 'sigmatch-par-'));
  generated = join(dir, 'gen.evtx');
  writeEvtxFile(generated, [...generateEvents(6000, 5, { injectEvery: 90 })]);
  // A mapper that keeps the network connections: what a consumer doing its work in the workers looks like.
  writeFileSync(join(dir, 'net.mjs'), "export default (e) => (e.fields.EventID === 3 ? e.fields.DestinationIp : undefined);\n");
  writeFileSync(join(dir, 'bad.mjs'), 'export const notDefault = 1;\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What the sequential reader yields, in the parallel reader's item shape. */
function sequential(file: string, recover = false) {
  const out: Array<{ kind: 'event'; event: unknown } | { kind: 'problem'; problem: unknown }> = [];
  for (const it of readEvtxFile(file, { recover })) out.push(it.kind === 'problem' ? it : { kind: 'event', event: it.event });
  return out;
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const samples = join(CORPUS, 'evtx/evtx-rs-samples');

describe('the parallel EVTX reader', () => {
  test('yields the same events and problems, in the same order, as the sequential reader', async () => {
    for (const [workers, batch] of [
      [2, 1],
      [2, 16],
      [3, 2],
      [1, 4],
    ] as const) {
      expect(await collect(par.readEvtxParallel(generated, { workers, batch }))).toEqual(sequential(generated));
    }
  });

  test('on every corpus sample (bad chunks, missing CRCs, bad string caches), with and without --recover', async () => {
    const files = readdirSync(samples).filter((f) => f.endsWith('.evtx'));
    expect(files.length).toBeGreaterThan(20);
    for (const f of files) {
      const file = join(samples, f);
      for (const recover of [false, true]) {
        const got = await collect(par.readEvtxParallel(file, { workers: 2, batch: 1, recover }));
        expect(got, `${f} recover=${recover}`).toEqual(sequential(file, recover));
      }
    }
  });

  test('a file that is not EVTX gives the header problem and no events', async () => {
    const file = join(dir, 'not.evtx');
    writeFileSync(file, Buffer.alloc(8192, 7));
    const got = await collect(par.readEvtxParallel(file));
    expect(got).toEqual(sequential(file));
    expect(got.map((i) => i.kind)).toEqual(['problem']);
  });
});

describe('mapEvtxParallel: per-event work in the workers', () => {
  test('values come back in file order with their provenance; progress counts every record', async () => {
    const want = sequential(generated).flatMap((i) => {
      if (i.kind !== 'event') return [];
      const e = i.event as { fields: Record<string, unknown>; source: unknown };
      return e.fields['EventID'] === 3 ? [{ source: e.source, value: e.fields['DestinationIp'] }] : [];
    });
    expect(want.length).toBeGreaterThan(100);
    const items = await collect(par.mapEvtxParallel<string>(generated, join(dir, 'net.mjs'), { workers: 2, batch: 3 }));
    const mapped = items.flatMap((i) => (i.kind === 'mapped' ? [{ source: i.source, value: i.value }] : []));
    expect(mapped).toEqual(want);
    const progress = items.reduce((n, i) => n + (i.kind === 'progress' ? i.events : 0), 0);
    expect(progress).toBe(6000);
  });

  test('a module without a default export function fails loudly', async () => {
    await expect(collect(par.mapEvtxParallel(generated, join(dir, 'bad.mjs'), { workers: 1 }))).rejects.toThrow(/no default export function/);
  });
});
