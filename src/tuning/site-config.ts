import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { Node, YAMLMap } from 'yaml';
import { error, warning, type Diagnostic, type Span } from '../diagnostics.js';
import { LEVELS, type Level } from '../rule/model.js';
import { parseTimespan } from '../rule/parse-correlation.js';
import { yaml } from '../rule/yaml-lib.js';
import { documentBounds, NodeReader } from '../rule/yaml-nodes.js';

export const OUTPUT_FORMATS = ['table', 'jsonl', 'csv', 'html'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Output defaults of a site: what `hunt` uses when its options do not say. */
export interface SiteOutput {
  readonly format?: OutputFormat;
  /** The alert file, resolved against the config file's folder. */
  readonly file?: string;
  readonly showSuppressed?: boolean;
  /** `--group-window`, in milliseconds. */
  readonly groupWindowMs?: number;
}

/** A site's `sigmatch.yml`: paths are absolute (resolved against the file's folder), rule ids lower case. */
export interface SiteConfig {
  readonly file: string;
  readonly rules: readonly string[];
  readonly filters: readonly string[];
  readonly placeholders: ReadonlyMap<string, readonly string[]>;
  readonly minLevel?: Level;
  /** Rule id (or name) → the level the site gives it. */
  readonly levels: ReadonlyMap<string, Level>;
  /** Rule ids (or names) the site turns off. */
  readonly disabled: ReadonlySet<string>;
  readonly output: SiteOutput;
  /** Where each rule reference of `levels` and `disable` was written, for warnings about unknown rules. */
  readonly ruleRefs: ReadonlyMap<string, Span>;
}

export interface SiteConfigResult {
  /** Absent when no file was asked for and none was found, or when the file is not a YAML map. */
  readonly config?: SiteConfig;
  readonly diagnostics: readonly Diagnostic[];
  /** The config file's text by path, for printing diagnostics with line:column. */
  readonly sources: ReadonlyMap<string, string>;
}

export const SITE_CONFIG_NAMES = ['sigmatch.yml', 'sigmatch.yaml'] as const;

const TOP_KEYS = ['rules', 'filters', 'placeholders', 'min-level', 'levels', 'disable', 'output'] as const;
const OUTPUT_KEYS = ['format', 'file', 'show-suppressed', 'group-window'] as const;

/**
 * The site configuration: `explicitPath` (`--config FILE`) when given, else `sigmatch.yml` in `cwd`, else none.
 * Never throws on user input: a missing explicit file is a `config-unreadable` error.
 */
export function loadSiteConfig(cwd: string, explicitPath?: string): SiteConfigResult {
  const file = explicitPath !== undefined ? resolve(cwd, explicitPath) : SITE_CONFIG_NAMES.map((n) => join(cwd, n)).find((p) => existsSync(p));
  if (file === undefined) return { diagnostics: [], sources: new Map() };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return { diagnostics: [error('config-unreadable', `cannot read the site configuration '${file}': ${(e as Error).message}`)], sources: new Map() };
  }
  return parseSiteConfig(file, text);
}

/** Parses a site configuration text. Bad entries are reported with their place and left out; the rest holds. */
export function parseSiteConfig(file: string, text: string): SiteConfigResult {
  const sources = new Map([[file, text]]);
  const diagnostics: Diagnostic[] = [];
  // Duplicate keys are found by documentBounds (a set per map, linear), not by the yaml package's uniqueKeys,
  // which compares each key with every earlier one: quadratic in a map's size.
  const doc = yaml().parseDocument(text, { prettyErrors: false, uniqueKeys: false, strict: false });
  for (const e of doc.errors) diagnostics.push(error('yaml-syntax', e.message.split('\n')[0] ?? e.message, { file, start: e.pos[0], end: Math.max(e.pos[1], e.pos[0] + 1) }));
  if (doc.errors.length > 0) return { diagnostics, sources };
  if (doc.contents !== null) diagnostics.push(...documentBounds(file, doc.contents));
  if (diagnostics.length > 0) return { diagnostics, sources };
  const r = new NodeReader(file, doc);
  const base = dirname(file);
  const empty: SiteConfig = { file, rules: [], filters: [], placeholders: new Map(), levels: new Map(), disabled: new Set(), output: {}, ruleRefs: new Map() };
  if (doc.contents === null) return { config: empty, diagnostics, sources };
  const map = r.asMap(doc.contents);
  if (map === null) {
    diagnostics.push(error('config-type', 'the site configuration is a map of keys (rules, filters, placeholders, min-level, levels, disable, output)', r.span(doc.contents)));
    return { diagnostics, sources };
  }
  const p = new Parser(r, diagnostics, base);
  p.unknownKeys(map, TOP_KEYS, '');
  const ruleRefs = new Map<string, Span>();
  const levels = new Map<string, Level>();
  for (const { key, keyNode, value } of p.mapEntries(r.get(map, 'levels'), 'levels')) {
    const level = p.level(value, `levels.${key}`);
    if (level === undefined) continue;
    levels.set(ruleRef(key), level);
    ruleRefs.set(ruleRef(key), r.span(keyNode));
  }
  const disabled = new Set<string>();
  for (const node of p.list(r.get(map, 'disable'), 'disable')) {
    const id = p.string(node, 'disable');
    if (id === undefined) continue;
    disabled.add(ruleRef(id));
    ruleRefs.set(ruleRef(id), r.span(node));
  }
  const placeholders = new Map<string, string[]>();
  for (const { key, value } of p.mapEntries(r.get(map, 'placeholders'), 'placeholders')) {
    const seq = r.asSeq(value);
    const items = seq !== null ? seq.items.map((i) => r.resolve(i)) : [value];
    const vals = items.map((i) => p.string(i, `placeholders.${key}`, true)).filter((v): v is string => v !== undefined);
    if (vals.length === items.length) placeholders.set(key.replace(/^%|%$/g, ''), vals);
  }
  const minLevelNode = r.get(map, 'min-level');
  const minLevel = minLevelNode === null ? undefined : p.level(minLevelNode, 'min-level');
  const output = p.output(r.get(map, 'output'));
  const config: SiteConfig = {
    file,
    rules: p.paths(r.get(map, 'rules'), 'rules'),
    filters: p.paths(r.get(map, 'filters'), 'filters'),
    placeholders,
    ...(minLevel !== undefined ? { minLevel } : {}),
    levels,
    disabled,
    output,
    ruleRefs,
  };
  // In file order, as a reader goes through the file.
  diagnostics.sort((a, b) => (a.span?.start ?? 0) - (b.span?.start ?? 0));
  return { config, diagnostics, sources };
}

/** A rule reference as rules are compared: ids lower case (as the rule parser keeps them), names as written. */
const ruleRef = (s: string) => (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s) ? s.toLowerCase() : s);

class Parser {
  constructor(
    private readonly r: NodeReader,
    private readonly diagnostics: Diagnostic[],
    private readonly base: string,
  ) {}

  private bad(code: string, message: string, node: Node | null): void {
    this.diagnostics.push(error(code, message, this.r.span(node)));
  }

  unknownKeys(map: YAMLMap, known: readonly string[], where: string): void {
    for (const { key, keyNode } of this.r.entries(map)) {
      if (!known.includes(key)) this.bad('config-unknown-key', `unknown key '${where}${key}' (known: ${known.join(', ')})`, keyNode);
    }
  }

  /** A list, or a single value as a list of one. */
  list(node: Node | null, where: string): Array<Node | null> {
    if (node === null) return [];
    const seq = this.r.asSeq(node);
    if (seq !== null) return seq.items.map((i) => this.r.resolve(i));
    const s = this.r.asScalar(node);
    if (s !== null && s.value !== null) return [node];
    this.bad('config-type', `'${where}' must be a list`, node);
    return [];
  }

  mapEntries(node: Node | null, where: string): Array<{ key: string; keyNode: Node | null; value: Node | null }> {
    if (node === null) return [];
    const map = this.r.asMap(node);
    if (map === null) {
      this.bad('config-type', `'${where}' must be a map`, node);
      return [];
    }
    return this.r.entries(map);
  }

  string(node: Node | null, where: string, allowNumber = false): string | undefined {
    const s = this.r.asScalar(node);
    if (s !== null && typeof s.value === 'string' && s.value !== '') return s.value;
    if (s !== null && allowNumber && (typeof s.value === 'number' || typeof s.value === 'boolean')) return String(s.value);
    this.bad('config-type', `'${where}' must be a non-empty string`, node);
    return undefined;
  }

  level(node: Node | null, where: string): Level | undefined {
    const s = this.string(node, where);
    if (s === undefined) return undefined;
    if ((LEVELS as readonly string[]).includes(s)) return s as Level;
    this.bad('config-level', `'${where}': '${s}' is not a level (${LEVELS.join(', ')})`, node);
    return undefined;
  }

  /** Paths resolved against the config file's folder; one that does not exist is an error and left out. */
  paths(node: Node | null, where: string): string[] {
    const out: string[] = [];
    for (const item of this.list(node, where)) {
      const s = this.string(item, where);
      if (s === undefined) continue;
      const p = isAbsolute(s) ? s : resolve(this.base, s);
      if (!existsSync(p)) this.bad('config-path-missing', `'${where}': ${s} does not exist (resolved against the configuration's folder: ${p})`, item);
      else out.push(p);
    }
    return out;
  }

  output(node: Node | null): SiteOutput {
    if (node === null) return {};
    const map = this.r.asMap(node);
    if (map === null) {
      this.bad('config-type', "'output' must be a map (format, file, show-suppressed, group-window)", node);
      return {};
    }
    this.unknownKeys(map, OUTPUT_KEYS, 'output.');
    const out: { -readonly [K in keyof SiteOutput]: SiteOutput[K] } = {};
    const formatNode = this.r.get(map, 'format');
    if (formatNode !== null) {
      const f = this.string(formatNode, 'output.format');
      if (f !== undefined && (OUTPUT_FORMATS as readonly string[]).includes(f)) out.format = f as OutputFormat;
      else if (f !== undefined) this.bad('config-format', `'output.format': '${f}' is not one of ${OUTPUT_FORMATS.join(', ')}`, formatNode);
    }
    const fileNode = this.r.get(map, 'file');
    if (fileNode !== null) {
      const f = this.string(fileNode, 'output.file');
      if (f !== undefined) out.file = isAbsolute(f) ? f : resolve(this.base, f);
    }
    const showNode = this.r.get(map, 'show-suppressed');
    if (showNode !== null) {
      const v = this.r.asScalar(showNode)?.value;
      if (typeof v === 'boolean') out.showSuppressed = v;
      else this.bad('config-type', "'output.show-suppressed' must be true or false", showNode);
    }
    const windowNode = this.r.get(map, 'group-window');
    if (windowNode !== null) {
      const w = this.string(windowNode, 'output.group-window', true);
      const t = w === undefined ? null : parseTimespan(w);
      if (t !== null && !t.nonStandard && t.seconds > 0) out.groupWindowMs = t.seconds * 1000;
      else if (w !== undefined) this.bad('config-duration', `'output.group-window': '${w}' is not a duration such as 30s, 5m, 2h or 1d`, windowNode);
    }
    return out;
  }
}
