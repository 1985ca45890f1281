import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { FieldValue } from '../event/event.js';

/** One alert of a hunt's JSONL (ECS) output, with what tuning needs of it. */
export interface AlertLine {
  readonly ruleId?: string;
  readonly ruleName: string;
  readonly fields: { readonly [k: string]: FieldValue };
  readonly timestamp?: number;
  /** The domain the DNS answers gave (dns.question.name). */
  readonly domain?: string;
  /** Filters that suppressed it, when the hunt wrote suppressed alerts too. */
  readonly suppressedBy?: readonly string[];
}

type Obj = { readonly [k: string]: unknown };
const obj = (v: unknown): Obj | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined);
const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

/** Whether a JSON line is a sigmatch alert (ECS `event.kind: alert`, `event.module: sigmatch`). */
export function isAlertDocument(v: unknown): boolean {
  const e = obj(obj(v)?.['event']);
  return e?.['kind'] === 'alert' && e['module'] === 'sigmatch';
}

/** Whether the file is a hunt's JSONL output: its first non-blank line is a sigmatch alert. */
export async function isAlertFile(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(64 << 10);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    const first = head.subarray(0, bytesRead).toString('utf8').replace(/^\uFEFF/, '').split('\n').find((l) => l.trim() !== '');
    if (first === undefined) return false;
    try {
      return isAlertDocument(JSON.parse(first));
    } catch {
      return false;
    }
  } finally {
    await fh.close();
  }
}

/** The alerts of a hunt's JSONL output; lines that are not alerts of a rule (a correlation's, a bad line) are counted apart. */
export async function* readAlertLines(path: string, skipped: { lines: number }): AsyncGenerator<AlertLine> {
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    let doc: unknown;
    try {
      doc = JSON.parse(line);
    } catch {
      skipped.lines++;
      continue;
    }
    const d = obj(doc);
    const event = obj(obj(d?.['sigmatch'])?.['event']);
    const rule = obj(d?.['rule']);
    if (d === undefined || !isAlertDocument(d) || event === undefined || rule === undefined) {
      skipped.lines++;
      continue;
    }
    const t = Date.parse(String(d['@timestamp'] ?? ''));
    const domain = str(obj(obj(d['dns'])?.['question'])?.['name']);
    const by = obj(d['sigmatch'])?.['suppressed_by'];
    const ruleId = str(rule['id']);
    yield {
      ...(ruleId !== undefined ? { ruleId: ruleId.toLowerCase() } : {}),
      ruleName: str(rule['name']) ?? '?',
      fields: event as { readonly [k: string]: FieldValue },
      ...(Number.isNaN(t) ? {} : { timestamp: t }),
      ...(domain !== undefined ? { domain } : {}),
      ...(Array.isArray(by) && by.length > 0 ? { suppressedBy: by.map(String) } : typeof by === 'string' && by !== '' ? { suppressedBy: [by] } : {}),
    };
  }
}
