import { RE2JS } from 're2js';
import type { StrPart } from './value-pattern.js';
import { problem, type ModifierContext, type ModifierProblem, type ModifierSpec, type WorkingValue } from './working-value.js';

/** `%name%` not preceded by a backslash. */
const PLACEHOLDER = /(?<!\\)%([^%]+)%/g;

/** The placeholder names in a text, in order. */
export function placeholderNames(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1] as string);
}

/** Every text the placeholders of `text` expand to; a placeholder inside a longer string gives one string per value. */
function resolve(text: string, ctx: ModifierContext, render: (vs: readonly string[]) => string[]): string[] {
  let results = [''];
  let last = 0;
  for (const m of text.matchAll(PLACEHOLDER)) {
    const literal = text.slice(last, m.index).replace(/\\%/g, '%');
    const values = render(ctx.placeholders.get(m[1] as string) ?? []);
    results = results.flatMap((r) => values.map((v) => r + literal + v));
    last = (m.index ?? 0) + m[0].length;
  }
  const tail = text.slice(last).replace(/\\%/g, '%');
  return results.map((r) => r + tail);
}

function unresolved(texts: readonly string[], ctx: ModifierContext): WorkingValue | ModifierProblem | undefined {
  const missing = [...new Set(texts.flatMap(placeholderNames).filter((n) => !ctx.placeholders.has(n)))];
  if (missing.length === 0) return undefined;
  if (ctx.keepUnresolved) return { kind: 'final', pattern: { kind: 'placeholder', names: missing } };
  return problem(
    'placeholder-unresolved',
    `placeholder ${missing.map((n) => `%${n}%`).join(', ')} has no value (supply it with --placeholder NAME=VALUE[,VALUE...])`,
  );
}

function group(items: WorkingValue[]): WorkingValue {
  return items.length === 1 ? (items[0] as WorkingValue) : { kind: 'group', items };
}

/** Replaces `%name%` placeholders with the values the user supplied; unresolved ones are errors. */
export const expand: ModifierSpec = {
  apply(value, ctx) {
    if (value.kind === 'final' && value.pattern.kind === 'regex') {
      const p = value.pattern;
      const missing = unresolved([p.source], ctx);
      if (missing !== undefined) return missing;
      const [source] = resolve(p.source, ctx, (vs) => [`(?:${vs.map((v) => RE2JS.quote(v)).join('|')})`]);
      return { kind: 'final', pattern: { ...p, source: source ?? '' } };
    }
    if (value.kind === 'raw') {
      const missing = unresolved([value.text], ctx);
      if (missing !== undefined) return missing;
      // Placeholder values are literal text: escape Sigma wildcards in them before tokenizing.
      const texts = resolve(value.text, ctx, (vs) => vs.map((v) => v.replace(/([*?\\])/g, '\\$1')));
      return group(texts.map((text) => ({ kind: 'raw', text })));
    }
    if (value.kind === 'str') {
      const literals = value.parts.filter((p): p is string => typeof p === 'string');
      const missing = unresolved(literals, ctx);
      if (missing !== undefined) return missing;
      let combos: StrPart[][] = [[]];
      for (const part of value.parts) {
        const texts = typeof part === 'string' ? resolve(part, ctx, (vs) => [...vs]) : [part];
        combos = combos.flatMap((c) => texts.map((t) => [...c, t]));
      }
      return group(combos.map((parts) => ({ kind: 'str', parts })));
    }
    if (value.kind === 'final' && value.pattern.kind === 'placeholder') return value;
    return problem('modifier-value-type', "modifier 'expand' needs a string value");
  },
};
