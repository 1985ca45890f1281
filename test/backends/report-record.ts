import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { BatchRecord } from './differential.js';

/**
 * Sums a target's batches and writes the record (converted, agreeing, disagreeing and refused, with reasons) to
 * $SIGMATCH_CONVERT_RECORD_DIR (default: the temp folder) as <target>.json, for the README table.
 */
export function reportRecord(target: string, records: readonly BatchRecord[]): void {
  const total = {
    target,
    converted: records.reduce((n, r) => n + r.converted, 0),
    agreeing: records.reduce((n, r) => n + r.agreeing, 0),
    disagreeing: records.flatMap((r) => r.disagreeing),
    refused: records.flatMap((r) => r.refused),
  };
  const dir = process.env['SIGMATCH_CONVERT_RECORD_DIR'] ?? join(tmpdir(), 'sigmatch-convert-record');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${target}.json`), JSON.stringify(total, null, 2));
  const reasons = new Map<string, number>();
  for (const r of total.refused) {
    const code = r.reason.split(':')[0] ?? r.reason;
    reasons.set(code, (reasons.get(code) ?? 0) + 1);
  }
  console.log(
    `${target}: ${total.converted} converted, ${total.agreeing} agreeing, ${total.disagreeing.length} disagreeing, ${total.refused.length} refused (${[...reasons].map(([c, n]) => `${c} ${n}`).join(', ')})`,
  );
}
