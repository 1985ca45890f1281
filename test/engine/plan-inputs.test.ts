import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { generateEvents } from '../../bench/generate-corpus.js';
import { defaultThreads, planInputs } from '../../src/engine/plan-inputs.js';
import { writeEvtxFile } from '../../src/formats/evtx/write-evtx.js';

const dir = mkdtempSync(join(tmpdir(), 'sigmatch-plan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('small files share tasks, large ones are split, every EVTX file has a piece, XML stays whole; events are estimated from headers', async () => {
  const all = [...generateEvents(1500, 3)];
  const files: string[] = [];
  const add = (name: string, write: (f: string) => void) => {
    const f = join(dir, name);
    write(f);
    files.push(f);
  };
  for (let i = 0; i < 10; i++) add(`small-${i}.evtx`, (f) => writeEvtxFile(f, all.slice(i * 50, i * 50 + 50)));
  add('empty.evtx', (f) => writeEvtxFile(f, []));
  add('big.evtx', (f) => writeEvtxFile(f, all.slice(500)));
  const line = `${JSON.stringify({ EventID: 1, pad: 'x'.repeat(1000) })}\n`;
  add('lines.jsonl', (f) => writeFileSync(f, line.repeat(2500)));
  add('events.xml', (f) => writeFileSync(f, '<Events></Events>'));
  const { units, estimatedEvents } = await planInputs(files, files.map((f) => statSync(f).size), false);
  const tasks = units.flatMap((u) => (u.kind === 'task' ? [u] : []));
  const pieces = tasks.flatMap((t) => t.task.pieces);
  const piecesOf = (name: string) => pieces.filter((p) => p.file.endsWith(name));
  // Ten one-chunk files in three tasks (four chunks' worth each), not ten.
  expect(tasks.filter((t) => t.task.pieces.some((p) => p.file.includes('small-'))).length).toBe(3);
  expect(piecesOf('empty.evtx')).toEqual([{ kind: 'evtx', file: join(dir, 'empty.evtx'), first: 0, end: 0 }]);
  expect(piecesOf('big.evtx').length).toBeGreaterThan(3);
  expect(piecesOf('lines.jsonl').map((p) => (p.kind === 'json' ? [p.start, p.end, p.next === undefined] : []))).toEqual([
    [0, 1 << 20, false],
    [1 << 20, 2 << 20, false],
    [2 << 20, 2500 * line.length, true],
  ]);
  expect(units.filter((u) => u.kind === 'file').map((u) => (u.kind === 'file' ? u.file : ''))).toEqual([join(dir, 'events.xml')]);
  // 1,500 EVTX records from their headers, 2,500 JSON lines from the file's size (about 1.2 KB a line).
  expect(estimatedEvents).toBeGreaterThan(1500 + 1500);
  expect(estimatedEvents).toBeLessThan(1500 + 2500 * 1.1);
});

test('workers by default only when the events pay for starting them', () => {
  expect(defaultThreads(10_000, 2406, 2)).toBe(0);
  expect(defaultThreads(100_000, 2406, 2)).toBe(0);
  expect(defaultThreads(200_000, 2406, 2)).toBe(2);
  expect(defaultThreads(25_000, 12, 4)).toBe(4);
  expect(defaultThreads(1e9, 12, 1)).toBe(0);
});
