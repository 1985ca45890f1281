import type { Alert } from '../engine/alert.js';
import { alertSummary } from './alert-fields.js';

/** The CSV columns, in order; stable across versions (documented in the README). */
export const CSV_COLUMNS = [
  'time', 'level', 'rule', 'ruleId', 'host', 'utility', 'image', 'destinationIp', 'destinationPort', 'domain',
  'commandLine', 'parentImage', 'parentCommandLine', 'user', 'file', 'record',
] as const;

function cell(v: unknown): string {
  const s = String(v ?? '');
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvHeader(): string {
  return CSV_COLUMNS.join(',') + '\n';
}

export function alertToCsv(a: Alert): string {
  const s = alertSummary(a);
  return CSV_COLUMNS.map((c) => cell(s[c])).join(',') + '\n';
}
