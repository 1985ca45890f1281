import type { Document, Node, YAMLError, YAMLMap } from 'yaml';
import { error, warning, type Diagnostic, type Span } from '../diagnostics.js';
import type { SigmaDocument } from './model.js';
import { mergeMaps, withoutKey } from './merge-legacy.js';
import { parseCorrelation } from './parse-correlation.js';
import type { DetectionOptions } from './parse-detection.js';
import { parseFilter } from './parse-filter.js';
import { parseRule } from './parse-rule.js';
import { fastParseDocuments } from './fast-yaml.js';
import { yaml } from './yaml-lib.js';
import { documentBounds, NodeReader } from './yaml-nodes.js';

export interface RuleFileOptions {
  /** Values for `%name%` placeholders under `|expand`. */
  readonly placeholders?: ReadonlyMap<string, readonly string[]>;
  /** Linting only: keep rules whose placeholders have no value (warning instead of error). */
  readonly lint?: boolean;
}

export interface ParsedRuleFile {
  readonly file: string;
  readonly text: string;
  readonly documents: readonly SigmaDocument[];
  readonly diagnostics: readonly Diagnostic[];
  /** Documents read (rules, correlations and filters, valid or not). */
  readonly documentCount: number;
}

const YAML_CODES: Record<string, string> = { DUPLICATE_KEY: 'yaml-duplicate-key' };

/** The largest rule file read, in characters (the largest SigmaHQ rule file is about 300 KB). */
export const MAX_RULE_FILE_CHARS = 4 << 20;

/**
 * Reads a rule file: every YAML document in it, classified as rule, correlation or filter
 * (the deprecated `action:` collections are merged, with a warning). Never throws on user input.
 */
export function parseRuleFile(file: string, text: string, options: RuleFileOptions = {}): ParsedRuleFile {
  if (text.length > MAX_RULE_FILE_CHARS) {
    const d = error('rule-file-too-large', `a rule file of ${text.length} characters (at most ${MAX_RULE_FILE_CHARS}); not read`, { file, start: 0, end: 1 });
    return { file, text, documents: [], diagnostics: [d], documentCount: 0 };
  }
  try {
    return readRuleFile(file, text, options);
  } catch (e) {
    // Nesting the bounds did not foresee, inside yaml's own reader: a diagnostic, never a crash.
    if (!(e instanceof RangeError)) throw e;
    return tooDeep(file, text, Math.max(0, bracketDepthPast(text, 64)), `nested too deep to read (${e.message})`);
  }
}

const FLOW_DEPTH_REFUSED = 256;

function tooDeep(file: string, text: string, at: number, message: string): ParsedRuleFile {
  return { file, text, documents: [], diagnostics: [error('yaml-too-deep', message, { file, start: at, end: at + 1 })], documentCount: 0 };
}

function readRuleFile(file: string, text: string, options: RuleFileOptions): ParsedRuleFile {
  const diagnostics: Diagnostic[] = [];
  const documents: SigmaDocument[] = [];
  const detectionOptions: DetectionOptions = {
    placeholders: options.placeholders ?? new Map(),
    keepUnresolvedPlaceholders: options.lint === true,
  };
  const docs = yamlDocuments(text);
  if (!Array.isArray(docs)) return tooDeep(file, text, docs.deepAt, `brackets nested deeper than ${FLOW_DEPTH_REFUSED}`);
  let global: YAMLMap | null = null;
  let previousRule: YAMLMap | null = null;
  let documentCount = 0;

  for (const doc of docs) {
    const yamlErrors = doc.errors;
    for (const e of yamlErrors) {
      const span: Span = { file, start: e.pos[0], end: Math.max(e.pos[1], e.pos[0] + 1) };
      diagnostics.push(error(YAML_CODES[e.code] ?? 'yaml-syntax', e.message.split('\n')[0] ?? e.message, span));
    }
    if (yamlErrors.length > 0) continue;
    const r = new NodeReader(file, doc.doc);
    if (doc.contents === null) continue;
    const bounds = documentBounds(file, doc.contents);
    if (bounds.length > 0) {
      diagnostics.push(...bounds);
      continue;
    }
    const docSpan = r.span(doc.contents);
    const map = r.asMap(doc.contents);
    if (map === null) {
      diagnostics.push(error('document-kind', 'a Sigma document is a map (a rule, a correlation or a filter)', docSpan));
      continue;
    }
    documentCount++;
    const action = r.asScalar(r.get(map, 'action'))?.value;
    if (action !== undefined) {
      diagnostics.push(warning('legacy-action', `'action: ${String(action)}' collections are deprecated since Sigma 2.0; write one rule per document`, r.span(r.keyNode(map, 'action'))));
      if (action === 'global') global = global === null ? withoutKey(map, 'action') : mergeMaps(global, withoutKey(map, 'action'));
      else if (action === 'reset') global = null;
      else if (action === 'repeat') {
        if (previousRule === null) {
          diagnostics.push(error('legacy-action', "'action: repeat' has no previous rule to repeat", docSpan));
          continue;
        }
        const merged = mergeMaps(previousRule, withoutKey(map, 'action'));
        const rule = parseRule(r, merged, docSpan, detectionOptions, diagnostics);
        if (rule !== null) documents.push(rule);
      } else {
        diagnostics.push(error('legacy-action', `unknown action '${String(action)}' (global, reset or repeat)`, r.span(r.get(map, 'action'))));
      }
      continue;
    }
    if (r.get(map, 'correlation') !== null) {
      const c = parseCorrelation(r, map, docSpan, diagnostics);
      if (c !== null) documents.push(c);
    } else if (r.get(map, 'filter') !== null) {
      const f = parseFilter(r, map, docSpan, detectionOptions, diagnostics);
      if (f !== null) documents.push(f);
    } else {
      const effective = global === null ? map : mergeMaps(map, global);
      previousRule = effective;
      if (r.get(effective, 'detection') === null && r.get(effective, 'logsource') === null && r.get(effective, 'title') === null) {
        diagnostics.push(error('document-kind', 'document is neither a rule (detection), a correlation (correlation) nor a filter (filter)', docSpan));
        continue;
      }
      const rule = parseRule(r, effective, docSpan, detectionOptions, diagnostics);
      if (rule !== null) documents.push(rule);
    }
  }
  return { file, text, documents, diagnostics, documentCount };
}

interface YamlDocument {
  readonly contents: Node | null;
  readonly errors: readonly YAMLError[];
  /** What the nodes resolve against (aliases, toJS). */
  readonly doc: Document;
}

let emptyDocument: Document | undefined;

/**
 * The file's YAML documents: from the fast reader when the file is in the subset it reads (nearly every
 * Sigma rule; same nodes and ranges), else from the yaml package, which also reports syntax errors.
 */
function yamlDocuments(text: string): YamlDocument[] | { readonly deepAt: number } {
  const fast = fastParseDocuments(text);
  if (fast !== undefined) {
    const doc = (emptyDocument ??= new (yaml().Document)());
    return fast.filter((contents) => contents !== null).map((contents) => ({ contents, errors: [], doc }));
  }
  // Flow brackets nested this deep are no rule (a regex would need hundreds of unclosed '['): the yaml package
  // would take seconds to say so, or overflow its stack. (The fast reader reads no flow collections.)
  const deepAt = bracketDepthPast(text, FLOW_DEPTH_REFUSED);
  if (deepAt >= 0) return { deepAt };
  // Duplicate keys are found by documentBounds, in linear time.
  const parsed = yaml().parseAllDocuments(text, { prettyErrors: false, uniqueKeys: false, strict: false });
  return (Array.isArray(parsed) ? parsed : []).map((doc) => ({ contents: doc.contents, errors: doc.errors, doc }));
}

/** The offset where '[' and '{' first nest deeper than `max` (quotes not told apart), or -1. */
function bracketDepthPast(text: string, max: number): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 91 || c === 123) {
      if (++depth > max) return i;
    } else if ((c === 93 || c === 125) && depth > 0) depth--;
  }
  return -1;
}
