import { open, readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Event } from '../event/event.js';
import { readEvtxFile, type EvtxItem } from './evtx/read-evtx.js';
import type { InputItem } from './input-item.js';
import { readJsonFile } from './json/read-json.js';
import { readXmlText } from './xml/read-xml.js';

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

/** Input files under the given paths: named files always, folders recursively by extension. */
export async function listInputs(paths: readonly string[]): Promise<{ files: string[]; missing: string[] }> {
  const files: string[] = [];
  const missing: string[] = [];
  const walk = async (p: string, explicit: boolean): Promise<void> => {
    let st;
    try {
      st = await stat(p);
    } catch {
      missing.push(p);
      return;
    }
    if (st.isDirectory()) {
      for (const e of (await readdir(p)).sort()) await walk(join(p, e), false);
    } else if (explicit || INPUT_EXTENSIONS.test(p)) files.push(p);
  };
  for (const p of paths) await walk(p, true);
  return { files, missing };
}

export interface ReadInputOptions {
  readonly recover?: boolean;
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
    yield* readJsonFile(path);
  } else {
    yield* readXmlText(await readFile(path, 'utf8'), path);
  }
}

/** The items of an EVTX file, read synchronously (dump uses it directly: no asynchronous hop per record). */
export function* evtxInputItems(path: string, options: ReadInputOptions = {}): Generator<InputItem> {
  for (const item of readEvtxFile(path, options)) {
    if (item.kind === 'record') yield new EvtxEventItem(item);
    else yield { kind: 'problem', problem: { ...item.problem, file: path } };
  }
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
