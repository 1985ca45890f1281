import type { ValueTest } from '../../compile/ir.js';
import { interpret } from '../../compile/interpret.js';
import { eventFromObject } from '../../event/event.js';
import { Refusal, type Dialect } from '../dialect.js';

/** A test on another field (a Sigma name, or `@ecs:<name>` for an ECS field the document has of its own). */
export interface BaseTest {
  readonly field: string;
  readonly test: ValueTest;
}

/**
 * A field the engine derives (or Winlogbeat splits) said through fields the document has: a test on it as an OR of
 * tests on those (none: never true), and its presence likewise (absent: exists refused).
 */
export interface Derivation {
  readonly rewrite: (t: ValueTest) => BaseTest[];
  readonly presence?: readonly BaseTest[];
}

/** A dialect that says the derived fields through their base fields, every other field as the inner dialect does. */
export function withDerived(inner: Dialect, derive: (name: string) => Derivation | undefined): Dialect {
  const anyOf = (parts: readonly BaseTest[]) => (parts.length === 0 ? inner.constant(false) : inner.or(parts.map((p) => inner.field(p.field, p.test))));
  const presence = (name: string, d: Derivation) => {
    if (d.presence === undefined) throw new Refusal('convert-field', `field '${name}' is split by Winlogbeat into several fields; its presence is not tested`);
    return anyOf(d.presence);
  };
  return {
    ...inner,
    field: (name, t) => {
      const d = derive(name);
      return d === undefined ? inner.field(name, t) : anyOf(d.rewrite(t));
    },
    fieldAnyOf: (name, tests) => {
      const d = derive(name);
      return d === undefined ? inner.fieldAnyOf(name, tests) : anyOf(tests.flatMap((t) => d.rewrite(t)));
    },
    exists: (name, expected) => {
      const d = derive(name);
      if (d === undefined) return inner.exists(name, expected);
      return expected ? presence(name, d) : inner.not(presence(name, d));
    },
    isNull: (name) => {
      const d = derive(name);
      return d === undefined ? inner.isNull(name) : inner.not(presence(name, d));
    },
  };
}

/** What the engine's own test says of one value (its interpreter, so the derivation cannot drift from it). */
const engineSays = (t: ValueTest, value: string) => interpret({ kind: 'field', field: 'v', test: t }, eventFromObject({ v: value }));

const INTEGRITY: ReadonlyArray<readonly [sid: string, level: string]> = [
  ['S-1-16-4096', 'Low'],
  ['S-1-16-8192', 'Medium'],
  ['S-1-16-8448', 'Medium'],
  ['S-1-16-12288', 'High'],
  ['S-1-16-16384', 'System'],
];

/** Security 4688's IntegrityLevel, which the engine's pipeline names from MandatoryLabel's SID: the SIDs whose level passes. */
export const INTEGRITY_4688: Derivation = {
  rewrite: (t) => INTEGRITY.filter(([, level]) => engineSays(t, level)).map(([sid]) => ({ field: 'MandatoryLabel', test: { kind: 'eq', value: sid, cased: true } })),
  presence: INTEGRITY.map(([sid]) => ({ field: 'MandatoryLabel', test: { kind: 'eq', value: sid, cased: true } })),
};

/** Which Sysmon events Winlogbeat splits hashes of, the field they come from and the ECS namespace they go to. */
export const SYSMON_HASHES: Readonly<Record<number, { readonly field: 'Hashes' | 'Hash'; readonly namespace: 'process' | 'file' }>> = {
  1: { field: 'Hashes', namespace: 'process' },
  6: { field: 'Hashes', namespace: 'file' },
  7: { field: 'Hashes', namespace: 'file' },
  15: { field: 'Hash', namespace: 'file' },
  23: { field: 'Hashes', namespace: 'process' },
  24: { field: 'Hashes', namespace: 'process' },
  26: { field: 'Hashes', namespace: 'process' },
};

const hashPath = (namespace: string, key: string) => `@ecs:${namespace}.${key === 'imphash' ? 'pe.imphash' : `hash.${key}`}`;
const HASH_KEYS: Readonly<Record<string, string>> = { md5: 'md5', sha1: 'sha1', sha256: 'sha256', Imphash: 'imphash' };

/**
 * Sysmon's hashes as Winlogbeat writes them: `KEY=hex` pairs split into lower-cased <ns>.hash.md5 / sha1 / sha256 and
 * <ns>.pe.imphash, an all-zero hash dropped. `Hashes|contains: 'MD5=ABC…'` is a prefix of that field; the engine's own
 * md5 / sha1 / sha256 / Imphash fields are those fields lower-cased. Other tests are refused.
 */
export function sysmonHashes(eventId: number, name: string): Derivation | undefined {
  const split = SYSMON_HASHES[eventId];
  if (split === undefined) return undefined;
  const zeros = (v: string) => /^0*$/.test(v);
  const refuse = (why: string) => new Refusal('convert-field', `field '${name}' of Sysmon event ${eventId}: Winlogbeat splits the hashes into lower-cased fields; ${why}`);
  if (name === split.field) {
    return {
      rewrite: (t) => {
        const m = t.kind === 'contains' && !t.cased ? /^(md5|sha1|sha256|imphash)=([0-9a-f]+)$/.exec(t.value) : null;
        if (m === null) throw refuse("only |contains 'KEY=hex' is converted");
        if (zeros(m[2] as string)) throw refuse('an all-zero hash is dropped there');
        return [{ field: hashPath(split.namespace, m[1] as string), test: { kind: 'prefix', value: m[2] as string, cased: true } }];
      },
    };
  }
  const key = HASH_KEYS[name];
  if (key === undefined) return undefined;
  return {
    rewrite: (t) => {
      if ((t.kind !== 'eq' && t.kind !== 'prefix' && t.kind !== 'suffix' && t.kind !== 'contains') || t.cased) throw refuse('only case-insensitive text tests are converted');
      if (zeros(t.value)) throw refuse('an all-zero hash is dropped there');
      return [{ field: hashPath(split.namespace, key), test: { ...t, cased: true } }];
    },
  };
}
