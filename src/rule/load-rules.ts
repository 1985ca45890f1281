import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { error, type Diagnostic } from '../diagnostics.js';
import { checkCollection } from './check-collection.js';
import type { SigmaCorrelation, SigmaDocument, SigmaFilter, SigmaRule } from './model.js';
import { parseRuleFile, type RuleFileOptions } from './parse-rule-file.js';

export interface RuleCollection {
  readonly rules: readonly SigmaRule[];
  readonly correlations: readonly SigmaCorrelation[];
  readonly filters: readonly SigmaFilter[];
  readonly diagnostics: readonly Diagnostic[];
  /** File text by path, so diagnostics can be printed with line:column. */
  readonly sources: ReadonlyMap<string, string>;
  readonly files: number;
  readonly documents: number;
}

/** Every .yml/.yaml file under the given files and folders, sorted, recursively. */
export function listRuleFiles(paths: readonly string[], diagnostics: Diagnostic[]): string[] {
  const out: string[] = [];
  const walk = (p: string, explicit: boolean) => {
    let st;
    try {
      st = statSync(p);
    } catch {
      diagnostics.push(error('file-unreadable', `cannot read '${p}': no such file or folder`));
      return;
    }
    if (st.isDirectory()) {
      for (const e of readdirSync(p).sort()) walk(join(p, e), false);
    } else if (explicit || /\.ya?ml$/i.test(p)) out.push(p);
  };
  for (const p of paths) walk(p, true);
  return out;
}

/** Reads rule files and folders into one collection with its diagnostics. Never throws on user input. */
export function loadRules(paths: readonly string[], options: RuleFileOptions = {}): RuleCollection {
  const diagnostics: Diagnostic[] = [];
  const texts: Array<{ file: string; text: string }> = [];
  for (const file of listRuleFiles(paths, diagnostics)) {
    try {
      texts.push({ file, text: readFileSync(file, 'utf8') });
    } catch (e) {
      diagnostics.push(error('file-unreadable', `cannot read '${file}': ${(e as Error).message}`));
    }
  }
  return parseTexts(texts, options, diagnostics);
}

/** A collection from rule texts already in memory (tests, the library API). */
export function loadRuleTexts(texts: ReadonlyArray<{ file: string; text: string }>, options: RuleFileOptions = {}): RuleCollection {
  return parseTexts(texts, options, []);
}

function parseTexts(texts: ReadonlyArray<{ file: string; text: string }>, options: RuleFileOptions, diagnostics: Diagnostic[]): RuleCollection {
  const sources = new Map<string, string>();
  const documents: SigmaDocument[] = [];
  let count = 0;
  for (const { file, text } of texts) {
    sources.set(file, text);
    const parsed = parseRuleFile(file, text, options);
    documents.push(...parsed.documents);
    diagnostics.push(...parsed.diagnostics);
    count += parsed.documentCount;
  }
  return collect(documents, diagnostics, sources, texts.length, count);
}

function collect(documents: SigmaDocument[], diagnostics: Diagnostic[], sources: Map<string, string>, files: number, count: number): RuleCollection {
  diagnostics.push(...checkCollection(documents));
  return {
    rules: documents.filter((d): d is SigmaRule => d.kind === 'rule'),
    correlations: documents.filter((d): d is SigmaCorrelation => d.kind === 'correlation'),
    filters: documents.filter((d): d is SigmaFilter => d.kind === 'filter'),
    diagnostics,
    sources,
    files,
    documents: count,
  };
}
