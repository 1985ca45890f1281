import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { BacklogFull, Journal, JournalWriteError, type JournalEntry } from '../../src/service/journal/journal.js';
import { openDatabase, type Db } from '../../src/service/store/open-database.js';

const require = createRequire(import.meta.url);
const dirs: string[] = [];
const dbs: Db[] = [];
function open(dir = mkdtempSync(join(tmpdir(), 'sigmatch-journal-'))): { dir: string; db: Db } {
  dirs.push(dir);
  const db = openDatabase(dir);
  dbs.push(db);
  return { dir, db };
}
afterEach(() => {
  for (const db of dbs.splice(0)) if (db.open) db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const entry = (n: number, doc = `{"n":${n}}`): JournalEntry => ({ key: Buffer.from(`key-${n}`.padEnd(16, '.')), doc });
const rows = (db: Db) => db.prepare('SELECT seq, doc FROM journal ORDER BY seq').all() as Array<{ seq: number; doc: string }>;

describe('Journal', () => {
  it('appends a batch, answers positions in order, and reads them back after the cursor', async () => {
    const { db } = open();
    const j = new Journal(db);
    expect(await j.append({ entries: [entry(1), entry(2), entry(3)] })).toEqual([1, 2, 3]);
    expect(j.read(1, 10).map((r) => r.doc)).toEqual(['{"n":2}', '{"n":3}']);
    expect(j.readDocs(1, 10)).toEqual([[2, '{"n":2}'], [3, '{"n":3}']]);
    expect(j.rowMeta(2)?.key.equals(entry(2).key)).toBe(true);
    expect(j.rowMeta(2)?.received).toBe(j.read(1, 1)[0]?.received);
    expect(j.rowMeta(99)).toBeUndefined();
    expect(j.backlog).toBe(3);
  });

  it('answers an event already journaled (in an earlier batch or the same one) as a duplicate and keeps one copy', async () => {
    const { db } = open();
    const j = new Journal(db);
    await j.append({ entries: [entry(1), entry(2)] });
    const r = await j.append({ entries: [entry(2), entry(3), entry(3)] });
    expect(r).toEqual(['duplicate', expect.any(Number), 'duplicate']);
    expect(r[1]).toBeGreaterThan(2);
    expect(rows(db).map((r) => r.doc)).toEqual(['{"n":1}', '{"n":2}', '{"n":3}']);
    expect(j.backlog).toBe(3);
  });

  it('answers each entry of large batches (written many rows per statement) with the position its row holds', async () => {
    const { db } = open();
    const j = new Journal(db);
    const first = Array.from({ length: 150 }, (_, i) => entry(i * 2));
    const r1 = await j.append({ entries: first });
    // Old keys, new ones, and a key twice in the batch, spread over several statements; a second batch in the same turn.
    const second = Array.from({ length: 400 }, (_, i) => entry(i % 7 === 0 ? i * 2 : i % 11 === 0 ? 1001 : i * 2 + 1));
    const [r2, r3] = await Promise.all([j.append({ entries: second }), j.append({ entries: [entry(5000), entry(4), entry(5001)] })]);
    const bySeq = new Map(rows(db).map((r) => [r.seq, r.doc]));
    const check = (batch: JournalEntry[], answers: ReadonlyArray<number | 'duplicate'>, known: Set<string>) =>
      batch.forEach((e, i) => {
        const a = answers[i];
        if (known.has(e.doc)) expect(a, e.doc).toBe('duplicate');
        else {
          expect(bySeq.get(a as number), e.doc).toBe(e.doc);
          known.add(e.doc);
        }
      });
    const known = new Set<string>();
    check(first, r1, known);
    check(second, r2, known);
    check([entry(5000), entry(4), entry(5001)], r3, known);
    expect(r2.filter((a) => a === 'duplicate').length).toBeGreaterThan(50);
    expect(bySeq.size).toBe(known.size);
    expect(j.backlog).toBe(known.size);
    expect(j.lastPosition).toBe(Math.max(...bySeq.keys()));
  });

  it('commits batches of one turn together and keeps each batch whole when the commit fails', async () => {
    const { db } = open();
    const j = new Journal(db);
    await j.append({ entries: [entry(1)] });
    // The second entry breaks the NOT NULL constraint after the first was inserted: the whole transaction goes.
    const bad = j.append({ entries: [entry(2), { key: Buffer.from('k'), doc: null as unknown as string }] });
    const sameTurn = j.append({ entries: [entry(3)] });
    await expect(bad).rejects.toBeInstanceOf(JournalWriteError);
    await expect(sameTurn).rejects.toBeInstanceOf(JournalWriteError);
    expect(rows(db).map((r) => r.doc)).toEqual(['{"n":1}']);
    // The journal goes on: the same events appended again are new, not duplicates.
    expect(await j.append({ entries: [entry(2), entry(3)] })).toEqual([expect.any(Number), expect.any(Number)]);
    expect(j.backlog).toBe(3);
  });

  it('refuses a whole batch when the backlog would pass its bound, and takes it once detection caught up', async () => {
    const { db } = open();
    const j = new Journal(db, { maxBacklog: 3 });
    await j.append({ entries: [entry(1), entry(2)] });
    await expect(j.append({ entries: [entry(3), entry(4)] })).rejects.toBeInstanceOf(BacklogFull);
    expect(rows(db)).toHaveLength(2);
    j.advance(2, 2, () => undefined);
    expect(await j.append({ entries: [entry(3), entry(4)] })).toEqual([3, 4]);
  });

  it('moves the cursor with the writes of its transaction, or neither when they fail', async () => {
    const { db, dir } = open();
    db.exec('CREATE TABLE side (v INTEGER)');
    const j = new Journal(db);
    await j.append({ entries: [entry(1), entry(2), entry(3)] });
    j.advance(2, 2, () => db.prepare('INSERT INTO side VALUES (2)').run());
    expect(() =>
      j.advance(3, 1, () => {
        db.prepare('INSERT INTO side VALUES (3)').run();
        throw new Error('crash in the middle');
      }),
    ).toThrow('crash');
    expect(j.cursor).toBe(2);
    expect(db.prepare('SELECT v FROM side').pluck().all()).toEqual([2]);
    db.close();
    // Reopened: the cursor and the positions survive.
    const again = new Journal(open(dir).db);
    expect(again.cursor).toBe(2);
    expect(again.backlog).toBe(1);
    expect(await again.append({ entries: [entry(9)] })).toEqual([4]);
  });

  it('waits for the write lock another connection holds (appends and cursor moves), then keeps its busy_timeout', async () => {
    const { db, dir } = open();
    const j = new Journal(db);
    await j.append({ entries: [entry(1)] });
    // Another thread takes the write lock, writes a row, and commits a while later.
    const holdLock = (value: number) =>
      new Promise<Worker>((done, fail) => {
        const w = new Worker(
          `const { workerData, parentPort } = require('node:worker_threads');
           const db = new (require(workerData.module))(workerData.file);
           db.pragma('busy_timeout = 5000');
           db.exec('BEGIN IMMEDIATE');
           db.prepare("INSERT INTO state (name, value) VALUES ('other', ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value").run(workerData.value);
           parentPort.postMessage('locked');
           Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 150);
           db.exec('COMMIT');
           db.close();`,
          { eval: true, workerData: { module: require.resolve('better-sqlite3'), file: join(dir, 'sigmatch.db'), value } },
        );
        w.once('message', () => done(w));
        w.once('error', fail);
      });
    const other = () => db.prepare("SELECT value FROM state WHERE name = 'other'").pluck().get();
    let w = await holdLock(1);
    // The append's transaction begins while the lock is held: it waits, and commits after the other one.
    expect(await j.append({ entries: [entry(2)] })).toEqual([2]);
    expect(other()).toBe(1);
    await new Promise((r) => w.once('exit', r));
    w = await holdLock(2);
    j.advance(2, 2, () => {});
    expect(other()).toBe(2);
    expect(j.cursor).toBe(2);
    await new Promise((r) => w.once('exit', r));
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
  });

  it('prunes processed rows by age and by size, never a row after the cursor', async () => {
    let clock = 1_000_000;
    const { db } = open();
    const j = new Journal(db, { now: () => clock });
    await j.append({ entries: [entry(1), entry(2)] });
    clock += 10_000;
    await j.append({ entries: [entry(3), entry(4)] });
    clock += 10_000;
    await j.append({ entries: [entry(5), entry(6)] });
    expect(j.prune(1, 0)).toBe(0); // nothing processed yet
    j.advance(4, 4, () => undefined);
    expect(j.prune(15_000, 1 << 30)).toBe(2); // rows 1-2 are older than 15 s
    expect(rows(db).map((r) => r.seq)).toEqual([3, 4, 5, 6]);
    expect(j.prune(1 << 30, 0)).toBe(2); // size bound 0: every processed row goes, the unprocessed stay
    expect(rows(db).map((r) => r.seq)).toEqual([5, 6]);
    // The size kept up to date on append and prune is what the table holds.
    const held = rows(db);
    expect(j.size()).toEqual({ events: held.length, bytes: held.reduce((n, r) => n + Buffer.byteLength(r.doc), 0) });
    // Positions go on growing after pruning; a pruned event's key is no longer known (the dedup window is the journal).
    const after = await j.append({ entries: [entry(7), entry(1)] });
    expect(after[0]).toBeGreaterThan(6);
    expect(after[1]).toBeGreaterThan(after[0] as number);
  });
});
