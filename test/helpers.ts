import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { eventFromObject, type Event, type FieldValue } from '../src/event/event.js';
import { RuleSet } from '../src/engine/rule-set.js';
import { loadRuleTexts, type RuleCollection } from '../src/rule/load-rules.js';
import type { Diagnostic } from '../src/diagnostics.js';
import { lineColOf } from '../src/diagnostics.js';

export const CORPUS = resolve(__dirname, '../../shared/corpus');

/** The shared corpus, or a loud failure under CI; outside CI the caller skips and says so. */
export function corpusAvailable(): boolean {
  const ok = existsSync(CORPUS);
  if (!ok && process.env['CI'] === 'true') throw new Error(`the test corpus is missing at ${CORPUS} (required under CI)`);
  if (!ok) console.warn(`SKIPPED: corpus tests need ${CORPUS}`);
  return ok;
}

/**
 * Lets the test worker's event loop take a turn (its RPC replies to the main process are read there): awaited between
 * the phases of a test that works synchronously for seconds, so that no stretch without a turn grows long.
 */
export function eventLoopTurn(): Promise<void> {
  return new Promise((resolve) => realSetImmediate(resolve));
}
const realSetImmediate = setImmediate; // should a test fake timers

/** A rule document around a detection block written as YAML lines. */
export function ruleYaml(detection: string, extra = ''): string {
  return `title: Test Rule
id: 0b2b3a9e-6a52-4c3e-9a4a-3b1f3f0d6c11
status: test
logsource:
    category: process_creation
    product: windows
detection:
${detection
  .split('\n')
  .map((l) => (l.trim() === '' ? l : `    ${l}`))
  .join('\n')}
level: high
${extra}`;
}

export function load(text: string, placeholders?: Map<string, string[]>): RuleCollection {
  return loadRuleTexts([{ file: 'rule.yml', text }], placeholders === undefined ? {} : { placeholders });
}

export function ev(fields: Record<string, FieldValue>): Event {
  return eventFromObject(fields);
}

/** Compiles the one rule in `text` and tells whether it matches the event. */
export function matches(text: string, fields: Record<string, FieldValue>): boolean {
  const c = load(text);
  const errors = c.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(`rule does not load: ${errors.map((d) => `${d.code} ${d.message}`).join('; ')}`);
  const set = RuleSet.compile(c.rules);
  if (set.rules.length !== 1) throw new Error('expected exactly one compiled rule');
  return set.match(ev(fields)).length === 1;
}

/** code, line and column of each diagnostic, for asserting positions. */
export function where(text: string, diagnostics: readonly Diagnostic[]): Array<{ code: string; severity: string; line?: number; column?: number }> {
  return diagnostics.map((d) => {
    if (d.span === undefined) return { code: d.code, severity: d.severity };
    const p = lineColOf(text, d.span.start);
    return { code: d.code, severity: d.severity, line: p.line, column: p.column };
  });
}
