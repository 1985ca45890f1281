import type { FieldValue } from '../event/event.js';

/** The string forms of a field's value(s): arrays flattened, null elements and objects skipped. */
export function stringsOf(v: FieldValue | undefined): string[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) {
    const out: string[] = [];
    for (const x of v) out.push(...stringsOf(x as FieldValue));
    return out;
  }
  if (typeof v === 'object') return [];
  return [String(v)];
}

/** A number from a number, a bigint or a decimal string; NaN when it is none. */
export function numberOf(v: FieldValue): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string') {
    const t = v.trim();
    if (t === '' || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return NaN;
    return Number(t);
  }
  return NaN;
}

/** The scalar elements of a value (an array's items, or the value itself). */
export function scalarsOf(v: FieldValue | undefined): FieldValue[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return (v as FieldValue[]).flatMap((x) => scalarsOf(x));
  if (typeof v === 'object' && typeof v !== 'bigint') return [];
  return [v];
}

/** ISO-8601 week number (1-53) of a UTC time. */
export function isoWeek(ms: number): number {
  const d = new Date(ms);
  const day = (d.getUTCDay() + 6) % 7;
  const thursday = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day + 3);
  const t = new Date(thursday);
  const firstThursday = Date.UTC(t.getUTCFullYear(), 0, 4);
  const ft = new Date(firstThursday);
  const firstWeekStart = firstThursday - ((ft.getUTCDay() + 6) % 7) * 86400000;
  return 1 + Math.round((thursday - 3 * 86400000 - firstWeekStart) / (7 * 86400000));
}

export function timePartOf(ms: number, part: 'minute' | 'hour' | 'day' | 'week' | 'month' | 'year'): number {
  const d = new Date(ms);
  switch (part) {
    case 'minute':
      return d.getUTCMinutes();
    case 'hour':
      return d.getUTCHours();
    case 'day':
      return d.getUTCDate();
    case 'week':
      return isoWeek(ms);
    case 'month':
      return d.getUTCMonth() + 1;
    case 'year':
      return d.getUTCFullYear();
    default: {
      const never: never = part;
      return never;
    }
  }
}

export function compareNumbers(a: number, op: 'gt' | 'gte' | 'lt' | 'lte' | 'eq', b: number): boolean {
  switch (op) {
    case 'gt':
      return a > b;
    case 'gte':
      return a >= b;
    case 'lt':
      return a < b;
    case 'lte':
      return a <= b;
    case 'eq':
      return a === b;
    default: {
      const never: never = op;
      return never;
    }
  }
}

/** A boolean field value: a JSON boolean, or the strings true/false in any case. */
export function boolOf(v: FieldValue): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const t = v.trim().toLowerCase();
    if (t === 'true') return true;
    if (t === 'false') return false;
  }
  return undefined;
}
