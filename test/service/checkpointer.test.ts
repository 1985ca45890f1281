import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Checkpointer as CheckpointerType } from '../../src/service/journal/checkpointer.js';
import type { openDatabase as OpenDatabase } from '../../src/service/store/open-database.js';

// The built modules: the thread runs dist's checkpoint-worker.js (there is none beside the TypeScript sources).
const { Checkpointer } = (await import('../../dist/src/service/journal/checkpointer.js' as string)) as { Checkpointer: typeof CheckpointerType };
const { openDatabase } = (await import('../../dist/src/service/store/open-database.js' as string)) as { openDatabase: typeof OpenDatabase };

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('Checkpointer', () => {
  it('copies the WAL into the database file from its own thread while the connection only keeps a backstop, and gives the default back at stop', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sigmatch-checkpoint-'));
    dirs.push(dir);
    const db = openDatabase(dir);
    const errors: string[] = [];
    const c = Checkpointer.start(dir, [db], (m) => errors.push(m), 20);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(10_000);
    const file = join(dir, 'sigmatch.db');
    const before = statSync(file).size;
    // About 8 MB of rows: 2,000 WAL pages, past SQLite's default of 1,000 but under the backstop.
    const insert = db.prepare('INSERT INTO journal (key, received, doc) VALUES (?, ?, ?)');
    db.transaction(() => {
      for (let i = 0; i < 8000; i++) insert.run(Buffer.from(String(i).padStart(16, '0')), 0, 'x'.repeat(1000));
    })();
    // No assertion that the file is unchanged right after the commit: the thread may checkpoint at any moment from
    // here on (a CI run under load saw it copy the schema's pages between start and the commit). That the commit
    // does not checkpoint is the backstop above; after it, only the thread writes the database file.
    for (let i = 0; i < 200 && statSync(file).size < 8_000_000; i++) await new Promise((r) => setTimeout(r, 20));
    expect(statSync(file).size).toBeGreaterThan(before + 8_000_000);
    await c.stop();
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    expect(errors).toEqual([]);
    db.close();
  });
});
