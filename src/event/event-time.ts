import type { FieldValue } from './event.js';

/**
 * Milliseconds since the epoch from an event time: ISO-8601 (a missing zone means UTC), Sysmon's
 * "YYYY-MM-DD HH:MM:SS.fff", or epoch seconds/milliseconds. NaN when it is not a time.
 */
export function timeOf(v: FieldValue): number {
  if (typeof v === 'number') return v > 1e11 ? v : v * 1000;
  if (typeof v !== 'string') return NaN;
  const t = v.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return timeOf(Number(t));
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(:\d{2}(\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?$/i.exec(t);
  if (m === null) return /^\d{4}-\d{2}-\d{2}$/.test(t) ? Date.parse(`${t}T00:00:00Z`) : NaN;
  const frac = m[4] === undefined ? '' : m[4].slice(0, 4);
  const base = `${m[1]}T${m[2]?.slice(0, 8)}${frac}`;
  return Date.parse(base + (m[5] ?? 'Z'));
}
