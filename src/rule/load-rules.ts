import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { error, type Diagnostic } from '../diagnostics.js';
import { checkCollection } from './check-collection.js';
import type { SigmaCorrelation, SigmaDocument, SigmaFilter, SigmaRule } from './model.js';
import { parseRuleFile, type RuleFileOptions } from './parse-rule-file.js';
import { fileStamp, RuleCache, textHash, type CachedRuleFile } from './rule-cache.js';

export interface LoadRulesOptions extends RuleFileOptions {
  /**
   * Reuse and keep parsed rules in the parsed-rule cache (see RuleCache): an unchanged file is not parsed
   * again. Default false for the library (nothing is written to the user's cache folder unasked); the
   * CLI turns it on unless `--no-cache`. The result is the same either way.
   */
  readonly cache?: boolean;
  /** The cache folder; default `$XDG_CACHE_HOME/sigmatch` (`~/.cache/sigmatch`). */
  readonly cacheDir?: string;
  /**
   * Leave rewriting the cache to the caller (`saveCache` on the collection), so a command can do it after its
   * work instead of before the first event is read: serializing and writing every rule's parse is about a
   * quarter of a cold load.
   */
  readonly deferCacheWrite?: boolean;
}

export interface RuleCollection {
  readonly rules: readonly SigmaRule[];
  readonly correlations: readonly SigmaCorrelation[];
  readonly filters: readonly SigmaFilter[];
  readonly diagnostics: readonly Diagnostic[];
  /** File text by path, so diagnostics can be printed with line:column. */
  readonly sources: ReadonlyMap<string, string>;
  readonly files: number;
  readonly documents: number;
  /** Files whose parse came from the parsed-rule cache (0 without `cache`). */
  readonly cachedFiles?: number;
  /** With `deferCacheWrite`, when the cache is out of date: writes it (never throws, as the write itself). */
  readonly saveCache?: () => void;
}

/** Every .yml/.yaml file under the given files and folders, sorted, recursively. */
export function listRuleFiles(paths: readonly string[], diagnostics: Diagnostic[]): string[] {
  const out: string[] = [];
  const walkDir = (dir: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      diagnostics.push(error('file-unreadable', `cannot read '${dir}': ${(e as Error).message}`));
      return;
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const p = join(dir, e.name);
      // The entry's type from the listing; a link (or an unknown type) is followed as stat does.
      if (e.isDirectory()) walkDir(p);
      else if (e.isFile()) {
        if (/\.ya?ml$/i.test(p)) out.push(p);
      } else walk(p, false);
    }
  };
  const walk = (p: string, explicit: boolean) => {
    let st;
    try {
      st = statSync(p);
    } catch {
      diagnostics.push(error('file-unreadable', `cannot read '${p}': no such file or folder`));
      return;
    }
    if (st.isDirectory()) walkDir(p);
    else if (explicit || /\.ya?ml$/i.test(p)) out.push(p);
  };
  for (const p of paths) walk(p, true);
  return out;
}

/** Reads rule files and folders into one collection with its diagnostics. Never throws on user input. */
export function loadRules(paths: readonly string[], options: LoadRulesOptions = {}): RuleCollection {
  const diagnostics: Diagnostic[] = [];
  const texts: RuleText[] = [];
  const cache = options.cache === true ? new RuleCache(paths, fileOptionsOf(options), options.cacheDir) : undefined;
  const cached = cache?.read() ?? new Map<string, CachedRuleFile>();
  for (const file of listRuleFiles(paths, diagnostics)) {
    try {
      const entry = cached.get(file);
      if (entry?.stamp !== undefined) {
        // A file whose stamp is the one its cached parse was read with is not read again (see fileStamp).
        const before = Date.now();
        const stamp = fileStamp(statSync(file, { bigint: true }), before);
        if (stamp === entry.stamp) {
          texts.push({ file, unchanged: entry });
          continue;
        }
      }
      const before = Date.now();
      const st = cache === undefined ? undefined : statSync(file, { bigint: true });
      const text = readFileSync(file, 'utf8');
      texts.push(st === undefined ? { file, text } : { file, text, stamp: fileStamp(st, before) });
    } catch (e) {
      diagnostics.push(error('file-unreadable', `cannot read '${file}': ${(e as Error).message}`));
    }
  }
  return parseTexts(texts, options, diagnostics, cache === undefined ? undefined : { cache, cached });
}

/** A listed rule file: its text (and its stamp when read), or the cached parse its unchanged stamp vouches for. */
type RuleText = { readonly file: string; readonly text: string; readonly stamp?: string | undefined } | { readonly file: string; readonly unchanged: CachedRuleFile };

const fileOptionsOf = (options: RuleFileOptions): RuleFileOptions => ({
  ...(options.placeholders !== undefined ? { placeholders: options.placeholders } : {}),
  ...(options.lint !== undefined ? { lint: options.lint } : {}),
});

/**
 * File texts by path for diagnostics' line:column: a file taken from the cache by its stamp is read when a
 * diagnostic first asks for it (so the map behaves as if it held every text).
 */
class RuleSources extends Map<string, string> {
  private readonly unread = new Set<string>();

  later(file: string): void {
    this.unread.add(file);
  }

  private readIn(file: string): void {
    if (!this.unread.delete(file)) return;
    try {
      super.set(file, readFileSync(file, 'utf8'));
    } catch {
      // Gone since: a diagnostic is printed without its line.
    }
  }

  private readAll(): void {
    for (const f of [...this.unread]) this.readIn(f);
  }

  override get(file: string): string | undefined {
    this.readIn(file);
    return super.get(file);
  }

  override has(file: string): boolean {
    this.readIn(file);
    return super.has(file);
  }

  override get size(): number {
    this.readAll();
    return super.size;
  }

  override entries(): MapIterator<[string, string]> {
    this.readAll();
    return super.entries();
  }

  override keys(): MapIterator<string> {
    this.readAll();
    return super.keys();
  }

  override values(): MapIterator<string> {
    this.readAll();
    return super.values();
  }

  override [Symbol.iterator](): MapIterator<[string, string]> {
    return this.entries();
  }

  override forEach(fn: (value: string, key: string, map: Map<string, string>) => void, self?: unknown): void {
    this.readAll();
    super.forEach(fn, self);
  }
}

/** A collection from rule texts already in memory (tests, the library API). */
export function loadRuleTexts(texts: ReadonlyArray<{ file: string; text: string }>, options: RuleFileOptions = {}): RuleCollection {
  return parseTexts(texts, options, []);
}

/**
 * Parses every text into one collection. With the parsed-rule cache (`store`), a file whose text is unchanged
 * since the last run (same hash, or same stamp) takes its parse from the cache, and the cache is rewritten when a
 * file was parsed, added, is gone, or got a new stamp.
 */
function parseTexts(texts: readonly RuleText[], options: LoadRulesOptions, diagnostics: Diagnostic[], store?: { readonly cache: RuleCache; readonly cached: ReadonlyMap<string, CachedRuleFile> }): RuleCollection {
  const fileOptions = fileOptionsOf(options);
  const cache = store?.cache;
  const cached = store?.cached ?? new Map<string, CachedRuleFile>();
  const sources = new RuleSources();
  const documents: SigmaDocument[] = [];
  const entries: CachedRuleFile[] = [];
  const used = new Set<string>();
  let count = 0;
  let hits = 0;
  let changed = false;
  for (const t of texts) {
    const { file } = t;
    let entry: CachedRuleFile | undefined;
    if ('unchanged' in t) {
      sources.later(file);
      entry = t.unchanged;
      hits++;
    } else {
      sources.set(file, t.text);
      const hash = cache === undefined ? '' : textHash(t.text);
      const stamp = t.stamp;
      entry = cached.get(file);
      if (entry !== undefined && entry.hash === hash) {
        hits++;
        // Same text, new stamp (touched, or settled since): kept with the new one, so the next run need not read it.
        if (entry.stamp !== stamp) {
          const { stamp: _old, ...rest } = entry;
          entry = stamp === undefined ? rest : { ...rest, stamp };
          changed = true;
        }
      } else {
        const parsed = parseRuleFile(file, t.text, fileOptions);
        entry = { file, hash, documents: parsed.documents, diagnostics: parsed.diagnostics, documentCount: parsed.documentCount, ...(stamp !== undefined ? { stamp } : {}) };
        changed = true;
      }
    }
    used.add(file);
    entries.push(entry);
    for (const d of entry.documents) documents.push(d);
    for (const d of entry.diagnostics) diagnostics.push(d);
    count += entry.documentCount;
  }
  // A file gone since the last run drops out of the pack too.
  const stale = cache !== undefined && (changed || used.size !== cached.size);
  if (stale && options.deferCacheWrite !== true) cache.write(entries);
  const collection = collect(documents, diagnostics, sources, texts.length, count);
  if (cache === undefined) return collection;
  return stale && options.deferCacheWrite === true ? { ...collection, cachedFiles: hits, saveCache: () => cache.write(entries) } : { ...collection, cachedFiles: hits };
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
