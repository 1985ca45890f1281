/** Whether parsed JSON nests objects and arrays deeper than `max` levels (the record itself is level 1). */
export function nestedDeeper(value: unknown, max: number): boolean {
  return deeper(value, max);
}

// Recursion stops at `max` levels, so the stack it uses is bounded too.
function deeper(value: unknown, left: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (left === 0) return true;
  if (Array.isArray(value)) {
    for (const v of value) if (v !== null && typeof v === 'object' && deeper(v, left - 1)) return true;
    return false;
  }
  for (const k in value) {
    const v = (value as Record<string, unknown>)[k];
    if (v !== null && typeof v === 'object' && deeper(v, left - 1)) return true;
  }
  return false;
}
