import { error, warning, type Diagnostic } from '../diagnostics.js';
import type { SigmaCorrelation, SigmaDocument, SigmaRule } from './model.js';

/**
 * Checks that span documents: duplicate ids, names and titles; correlation references that
 * resolve to no rule; aliases naming rules without a name.
 */
export function checkCollection(documents: readonly SigmaDocument[]): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const ids = new Map<string, SigmaDocument>();
  const names = new Map<string, SigmaDocument>();
  const titles = new Map<string, SigmaDocument>();
  for (const d of documents) {
    if (d.id !== undefined) {
      const prev = ids.get(d.id);
      if (prev !== undefined) diagnostics.push(warning('duplicate-id', `id ${d.id} is also used by '${prev.title}' (${prev.file})`, d.span));
      else ids.set(d.id, d);
    }
    if (d.kind !== 'filter' && d.name !== undefined) {
      const prev = names.get(d.name);
      if (prev !== undefined) diagnostics.push(error('duplicate-name', `name '${d.name}' is also used in ${prev.file}; names must be unique`, d.span));
      else names.set(d.name, d);
    }
    if (d.kind === 'rule') {
      const prev = titles.get(d.title);
      if (prev !== undefined) diagnostics.push(warning('duplicate-title', `title '${d.title}' is also used in ${prev.file}`, d.span));
      else titles.set(d.title, d);
    }
  }
  const byRef = (ref: string): SigmaDocument | undefined => ids.get(ref.toLowerCase()) ?? names.get(ref);
  for (const d of documents) {
    if (d.kind !== 'correlation') continue;
    for (const ref of d.rules) {
      const target = byRef(ref);
      if (target === undefined || target.kind === 'filter') {
        diagnostics.push(error('correlation-reference', `correlation rule '${ref}' resolves to no rule or correlation in the loaded set`, d.span));
      }
    }
    checkAliases(d, byRef, diagnostics);
  }
  return diagnostics;
}

function checkAliases(d: SigmaCorrelation, byRef: (ref: string) => SigmaDocument | undefined, diagnostics: Diagnostic[]): void {
  for (const [alias, mapping] of d.aliases) {
    for (const ruleName of mapping.keys()) {
      const target = byRef(ruleName);
      if (target === undefined || (target as SigmaRule).name === undefined) {
        diagnostics.push(error('correlation-alias', `alias '${alias}' refers to '${ruleName}', which is not the name of a loaded rule`, d.span));
      }
    }
  }
}
