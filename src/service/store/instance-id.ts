import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * This instance's id, kept in its data dir (file `instance-id`, made on first start): it keys the instance's
 * detection position in a shared store, since that position counts in this data dir's journal.
 */
export function instanceId(dataDir: string): string {
  const file = join(dataDir, 'instance-id');
  try {
    const id = readFileSync(file, 'utf8').trim();
    if (/^[A-Za-z0-9._-]{1,100}$/.test(id)) return id;
    throw new Error(`${file}: '${id.slice(0, 40)}' is not an instance id (1 to 100 letters, digits, '.', '_', '-'); remove the file to make a new one`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  mkdirSync(dataDir, { recursive: true });
  const id = randomUUID();
  // Written aside and renamed: a crash leaves no half-written id.
  writeFileSync(`${file}.tmp`, `${id}\n`, { flag: 'w' });
  renameSync(`${file}.tmp`, file);
  return id;
}
