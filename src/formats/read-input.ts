import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Event } from '../event/event.js';
import { readEvtxFile, type EvtxItem } from './evtx/read-evtx.js';
import type { InputItem, InputProblem } from './input-item.js';
import { readJsonFile } from './json/read-json.js';
import { ProblemCap, readLimits, type ReadLimits } from './read-limits.js';
import { readXmlFile } from './xml/read-xml.js';

export type InputFormat = 'evtx' | 'json' | 'xml';

const INPUT_EXTENSIONS = /\.(evtx|json|jsonl|ndjson|xml)$/i;

/** The format from the first bytes of the file: EVTX signature, `<`, or `{`/`[`. */
export async function detectFormat(path: string): Promise<InputFormat | undefined> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(512);
    const { bytesRead } = await fh.read(head, 0, 512, 0);
    return formatOfHead(head.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}

/** The format from a file's first bytes (512 of them are enough). */
export function formatOfHead(head: Buffer): InputFormat | undefined {
  if (head.subarray(0, 8).toString('latin1') === 'ElfFile\0') return 'evtx';
  const text = head.subarray(0, 512).toString('utf8').replace(/^\uFEFF/, '').trimStart();
  if (text.startsWith('<')) return 'xml';
  if (text.startsWith('{') || text.startsWith('[')) return 'json';
  return undefined;
}

/** What the input paths name, each real file once. */
export interface InputListing {
  /** Regular files to read, in order (the path each was first reached by). */
  readonly files: string[];
  /** Their sizes, from the same stat. */
  readonly sizes: number[];
  /** Paths that do not exist (or links that point nowhere). */
  readonly missing: string[];
  /** Files skipped because an earlier path reached the same file (device and inode): a link, a bind mount, a copy of a folder inside itself. */
  readonly duplicates: ReadonlyArray<{ readonly path: string; readonly same: string }>;
  /** Folder links that lead back into a folder they are in: each reported once, never followed. */
  readonly cycles: ReadonlyArray<{ readonly path: string; readonly target: string }>;
  /** Problems of the listing: cycles (warnings), folders that cannot be listed and named paths that are no regular file (errors). */
  readonly problems: InputProblem[];
}

/**
 * Input files under the given paths: named files always, folders recursively by extension. Symbolic links are
 * followed; a real file reached twice is listed once, a folder is walked once, and a link back into the folders
 * being walked is reported instead of followed (it used to be followed until the path was too long).
 */
export async function listInputs(paths: readonly string[]): Promise<InputListing> {
  const listing = { files: [] as string[], sizes: [] as number[], missing: [] as string[], duplicates: [] as Array<{ path: string; same: string }>, cycles: [] as Array<{ path: string; target: string }>, problems: [] as InputProblem[] };
  /** Device and inode of every file listed and folder walked, with the path it was first reached by. */
  const seen = new Map<string, string>();
  /** Folders on the walk's current path (device and inode). */
  const walking = new Set<string>();
  const walk = async (p: string, explicit: boolean): Promise<void> => {
    let st;
    try {
      st = await stat(p, { bigint: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') listing.missing.push(p);
      else listing.problems.push({ code: 'input-unreadable', severity: 'error', message: `cannot read: ${(e as Error).message}`, file: p });
      return;
    }
    const id = `${st.dev}:${st.ino}`;
    if (st.isDirectory()) {
      if (walking.has(id)) {
        const target = seen.get(id) ?? p;
        listing.cycles.push({ path: p, target });
        listing.problems.push({ code: 'input-cycle', severity: 'warning', message: `a link back to ${target}, a folder it is in: not followed`, file: p });
        return;
      }
      // Walked already by another path: its files are listed once.
      if (seen.has(id)) return;
      seen.set(id, p);
      let entries: string[];
      try {
        entries = (await readdir(p)).sort();
      } catch (e) {
        listing.problems.push({ code: 'input-unreadable', severity: 'error', message: `cannot list the folder: ${(e as Error).message}`, file: p });
        return;
      }
      walking.add(id);
      for (const e of entries) await walk(join(p, e), false);
      walking.delete(id);
      return;
    }
    if (!explicit && !INPUT_EXTENSIONS.test(p)) return;
    // A FIFO or a device (/dev/zero) could be read forever: only regular files are inputs.
    if (!st.isFile()) {
      listing.problems.push({ code: 'input-not-file', severity: 'error', message: 'not a regular file (a device, a pipe or a socket): not read', file: p });
      return;
    }
    const first = seen.get(id);
    if (first !== undefined) {
      listing.duplicates.push({ path: p, same: first });
      return;
    }
    seen.set(id, p);
    listing.files.push(p);
    listing.sizes.push(Number(st.size));
  };
  for (const p of paths) await walk(p, true);
  return listing;
}

export interface ReadInputOptions {
  readonly recover?: boolean;
  /** --max-record-size and the problems kept per file. */
  readonly limits?: Partial<ReadLimits>;
}

/** Events and problems of one input file, whatever its format; never throws on file content. */
export async function* readInput(path: string, options: ReadInputOptions = {}): AsyncGenerator<InputItem> {
  let format: InputFormat | undefined;
  try {
    format = await detectFormat(path);
  } catch (e) {
    yield { kind: 'problem', problem: { code: 'input-unreadable', severity: 'error', message: `cannot read: ${(e as Error).message}`, file: path } };
    return;
  }
  if (format === undefined) {
    yield { kind: 'problem', problem: { code: 'input-format', severity: 'error', message: 'not an EVTX, JSON or XML event file', file: path } };
    return;
  }
  if (format === 'evtx') {
    yield* evtxInputItems(path, options);
  } else if (format === 'json') {
    yield* readJsonFile(path, undefined, options.limits);
  } else {
    yield* readXmlFile(path, options.limits);
  }
}

/** The items of an EVTX file, read synchronously (dump uses it directly: no asynchronous hop per record). */
export function* evtxInputItems(path: string, options: ReadInputOptions = {}): Generator<InputItem> {
  const pending: InputProblem[] = [];
  const cap = new ProblemCap(path, readLimits(options.limits).maxProblems, (p) => pending.push(p));
  for (const item of readEvtxFile(path, options)) {
    if (item.kind === 'record') yield new EvtxEventItem(item);
    else {
      cap.add({ ...item.problem, file: path });
      for (const problem of pending.splice(0)) yield { kind: 'problem', problem };
    }
  }
  cap.close();
  for (const problem of pending.splice(0)) yield { kind: 'problem', problem };
}

/** Passes the lazy record through: its event is flattened only if someone reads it (see RecordItem). */
class EvtxEventItem {
  readonly kind = 'event';
  constructor(private readonly item: Extract<EvtxItem, { kind: 'record' }>) {}
  get event(): Event {
    return this.item.event;
  }
  xml(): string {
    return this.item.record.xml();
  }
}
