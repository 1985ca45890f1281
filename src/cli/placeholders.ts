import { UsageError } from './usage-error.js';

/** `--placeholder NAME=V1,V2` options into the map `expand` reads. */
export function parsePlaceholders(values: readonly string[] | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const v of values ?? []) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new UsageError(`--placeholder takes NAME=VALUE[,VALUE...], got '${v}'`);
    const name = v.slice(0, eq).replace(/^%|%$/g, '');
    out.set(name, [...(out.get(name) ?? []), ...v.slice(eq + 1).split(',')]);
  }
  return out;
}
