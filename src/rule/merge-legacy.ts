import type { Node, YAMLMap } from 'yaml';
import { yaml } from './yaml-lib.js';

/**
 * Deep merge of two YAML maps for the deprecated `action: global/repeat` collections.
 * Keys of `winner` replace those of `base`; nested maps merge recursively. Nodes keep their
 * source ranges, so diagnostics still point into the file.
 */
export function mergeMaps(base: YAMLMap, winner: YAMLMap): YAMLMap {
  const out = base.clone() as YAMLMap;
  for (const pair of winner.items) {
    const key = keyText(pair.key);
    const existing = out.items.find((p) => keyText(p.key) === key);
    const value = pair.value as Node | null;
    if (existing !== undefined && yaml().isMap(existing.value) && yaml().isMap(value)) {
      existing.value = mergeMaps(existing.value, value);
    } else if (existing !== undefined) {
      existing.value = value === null ? null : (value as Node).clone();
    } else {
      out.items.push(pair.clone());
    }
  }
  return out;
}

/** The map without one key (to drop `action`). */
export function withoutKey(map: YAMLMap, key: string): YAMLMap {
  const out = map.clone() as YAMLMap;
  out.items = out.items.filter((p) => keyText(p.key) !== key);
  return out;
}

function keyText(key: unknown): string {
  if (key !== null && typeof key === 'object' && 'value' in key) return String((key as { value: unknown }).value);
  return String(key);
}
