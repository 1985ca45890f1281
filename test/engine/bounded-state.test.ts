import { describe, expect, test } from 'vitest';
import { AlertSorter } from '../../src/engine/alert-sorter.js';
import { contextQueryOf, packEntry, ProcessIndex, resolveContext, unpackLine, type ContextEntry } from '../../src/engine/process-context.js';
import { parseSpilled, SpillDir, spilledJson } from '../../src/engine/spill.js';
import { ev } from '../helpers.js';

const proc = (host: string, guid: string, pid: number, at: number, image: string): Extract<ContextEntry, { kind: 'process' }> => ({
  kind: 'process',
  guidKey: `g|${host}|${guid}`,
  pidKey: `p|${host}|${pid}`,
  at,
  ctx: { image, processId: pid },
});

describe('spill files', () => {
  test('values come back in order, bigints and long lines included', () => {
    const dir = new SpillDir();
    try {
      const f = dir.file('t');
      const long = 'x'.repeat(3 << 20);
      const values = [{ a: 1n << 63n, s: 'é\n"' }, { long }, [1, 'two', null], { $bigint: 'not alone', other: 1 }];
      for (const v of values) f.appendLine(spilledJson(v));
      expect([...f.lines()].map((l) => parseSpilled(l))).toEqual(values);
      expect(f.count).toBe(4);
    } finally {
      dir.dispose();
    }
  });
});

const texts = (rows: Iterable<Uint8Array>) => [...rows].map((b) => Buffer.from(b).toString('utf8'));

describe('alert sorter', () => {
  test('spilled sorted runs merge to the same order as one in-memory sort, ties in arrival order', () => {
    const rows: Array<[number, number, string]> = [];
    for (let i = 0; i < 500; i++) rows.push([(i * 7919) % 97, i, `alert ${i}`]);
    const dir = new SpillDir();
    try {
      const small = new AlertSorter(dir, 300);
      const big = new AlertSorter(dir);
      for (const [t, s, x] of rows) {
        small.add(t, s, x);
        big.add(t, s, x);
      }
      expect(small.spilledRuns).toBeGreaterThan(10);
      expect(big.spilledRuns).toBe(0);
      const expected = [...rows].sort((a, b) => a[0] - b[0] || a[1] - b[1]).map((r) => r[2]);
      expect(texts(small.drain())).toEqual(expected);
      expect(texts(big.drain())).toEqual(expected);
    } finally {
      dir.dispose();
    }
  });
  test('runs larger than the read block, rows cut by it and a row longer than it come back intact', () => {
    const rows: Array<[number, number, string]> = [];
    for (let i = 0; i < 3000; i++) {
      // Lengths vary so rows straddle the 1 MiB block ends at many offsets; some text is multi-byte UTF-8.
      const len = 100 + ((i * 2654435761) % 1400);
      rows.push([((i * 31) % 53) - 20.5, i, `${i} é漢字 `.padEnd(len, String.fromCharCode(97 + (i % 26)))]);
    }
    rows.push([3, 3000, 'long '.repeat(300_000)]);
    const dir = new SpillDir();
    try {
      const sorter = new AlertSorter(dir, 3 << 20);
      for (const [t, s, x] of rows) sorter.add(t, s, x);
      expect(sorter.spilledRuns).toBeGreaterThanOrEqual(1);
      const expected = [...rows].sort((a, b) => a[0] - b[0] || a[1] - b[1]).map((r) => r[2]);
      const got = texts(sorter.drain());
      expect(got.length).toBe(expected.length);
      expect(got).toEqual(expected);
    } finally {
      dir.dispose();
    }
  });
});

describe('bounded process index', () => {
  test('holds at most its capacity and hands the oldest entries to evict, in input order', () => {
    const evicted: ContextEntry[] = [];
    const index = new ProcessIndex({ capacity: 3, evict: (e) => evicted.push(unpackLine(e.line)) });
    const entries = [1, 2, 3, 4, 5].map((i) => proc('ws1', `guid-${i}`, 100 + i, i * 1000, `p${i}.exe`));
    for (const e of entries) index.addEntry(packEntry(e));
    expect(index.size).toBe(3);
    expect(evicted).toEqual(entries.slice(0, 2));
    expect(index.spilled).toBe(true);
  });

  test('an answer is final only when found by GUID in a key nothing was evicted from', () => {
    const index = new ProcessIndex({ capacity: 2 });
    index.addEntry(packEntry(proc('ws1', 'aaaa', 10, 1000, 'old.exe')));
    index.addEntry(packEntry(proc('ws1', 'bbbb', 11, 2000, 'b.exe')));
    index.addEntry(packEntry(proc('ws1', 'cccc', 12, 3000, 'c.exe')));
    const q = (guid: string, pid: number) => contextQueryOf(ev({ Computer: 'WS1', ProcessGuid: `{${guid.toUpperCase()}}`, ProcessId: pid, UtcTime: '2026-01-01 00:00:05.000' }));
    expect(index.resolveNow(q('cccc', 12))?.process?.image).toBe('c.exe');
    // aaaa left memory: not final, even though a lookup in memory alone finds nothing.
    expect(index.resolveNow(q('aaaa', 10))).toBeUndefined();
    // Unknown GUID: the creation may still come.
    expect(index.resolveNow(q('dddd', 13))).toBeUndefined();
  });

  test('the process part alone is final once found by GUID in a key nothing was evicted from', () => {
    const index = new ProcessIndex({ capacity: 2 });
    index.addEntry(packEntry(proc('ws1', 'aaaa', 10, 1000, 'old.exe')));
    index.addEntry(packEntry(proc('ws1', 'bbbb', 11, 2000, 'b.exe')));
    index.addEntry(packEntry(proc('ws1', 'cccc', 12, 3000, 'c.exe')));
    const q = (guid: string) => contextQueryOf(ev({ Computer: 'WS1', ProcessGuid: `{${guid.toUpperCase()}}`, ProcessId: 1, DestinationIp: '203.0.113.9', UtcTime: '2026-01-01 00:00:05.000' }));
    // No DNS answer yet: the whole context is not final, its process is.
    expect(index.resolveNow(q('cccc'))).toBeUndefined();
    expect(index.processNow(q('cccc'))).toMatchObject({ image: 'c.exe', matchedBy: 'guid' });
    expect(index.processNow(q('aaaa'))).toBeUndefined();
    expect(index.processNow(q('dddd'))).toBeUndefined();
  });

  test('PID fallback takes the latest start not after the event, across spilled and in-memory entries', () => {
    const a = proc('ws1', 'x1', 77, Date.parse('2026-01-01T00:00:01Z'), 'first.exe');
    const b = proc('ws1', 'x2', 77, Date.parse('2026-01-01T00:00:03Z'), 'second.exe');
    const c = proc('ws1', 'x3', 77, Date.parse('2026-01-01T00:00:09Z'), 'later.exe');
    const spilled = new Map([[a.pidKey as string, [a, b]]]);
    const memory = new Map([[c.pidKey as string, [c]]]);
    const lookup = (k: string) => [...(spilled.get(k) ?? []), ...(memory.get(k) ?? [])];
    const q = contextQueryOf(ev({ Computer: 'ws1', ProcessId: 77, UtcTime: '2026-01-01 00:00:05.000' }));
    expect(resolveContext(q, lookup).process).toMatchObject({ image: 'second.exe', matchedBy: 'pid' });
  });
});
