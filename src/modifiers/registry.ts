import { all } from './all.js';
import { base64, base64offset } from './base64.js';
import { cased } from './cased.js';
import { cidr } from './cidr.js';
import { gt, gte, lt, lte } from './compare.js';
import { contains } from './contains.js';
import { endswith } from './endswith.js';
import { exists } from './exists.js';
import { expand } from './expand.js';
import { fieldref } from './fieldref.js';
import { neq } from './neq.js';
import { i, m, re, s } from './re.js';
import { startswith } from './startswith.js';
import { day, hour, minute, month, week, year } from './time-part.js';
import { utf16, utf16be_, utf16le_, wide } from './utf16.js';
import { windash } from './windash.js';
import type { ModifierSpec } from './working-value.js';

/** Every value modifier of the Sigma spec, by its canonical name. */
export const MODIFIERS = {
  contains,
  startswith,
  endswith,
  all,
  base64,
  base64offset,
  utf16le: utf16le_,
  wide,
  utf16be: utf16be_,
  utf16,
  windash,
  re,
  i,
  m,
  s,
  cidr,
  exists,
  expand,
  fieldref,
  gt,
  gte,
  lt,
  lte,
  neq,
  cased,
  minute,
  hour,
  day,
  week,
  month,
  year,
} satisfies Record<string, ModifierSpec>;

export type ModifierName = keyof typeof MODIFIERS;

const BY_NAME = new Map<string, ModifierName>();
for (const [name, spec] of Object.entries(MODIFIERS) as Array<[ModifierName, ModifierSpec]>) {
  BY_NAME.set(name, name);
  for (const alias of spec.aliases ?? []) BY_NAME.set(alias, name);
}

/** The canonical name of a modifier as written, or undefined when no such modifier exists. */
export function resolveModifier(written: string): ModifierName | undefined {
  return BY_NAME.get(written);
}
