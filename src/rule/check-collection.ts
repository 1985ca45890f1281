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
  // A UUID is looked up among ids only, anything else among names (never titles), as pySigma does.
  const byRef = (ref: string): SigmaDocument | undefined => (UUID.test(ref) ? ids.get(ref.toLowerCase()) : names.get(ref));
  for (const d of documents) {
    if (d.kind !== 'correlation') continue;
    for (const ref of d.rules) {
      if (SELECTOR.test(ref)) {
        diagnostics.push(warning('correlation-nonstandard', `'${ref}' is a sigmatch extension (every loaded rule of that level or above); other tools reject it`, d.span));
        continue;
      }
      const target = byRef(ref);
      if (target === undefined || target.kind === 'filter') {
        const byTitle = [...titles.values()].find((t) => t.title === ref);
        diagnostics.push(error('correlation-reference', `correlation rule '${ref}' resolves to no rule or correlation in the loaded set${byTitle !== undefined ? ' (that is a title; reference rules by id or name)' : ''}`, d.span));
      }
    }
    checkAliases(d, byRef, diagnostics);
    checkGroupBy(d, byRef, diagnostics);
  }
  checkCycles(documents.filter((d): d is SigmaCorrelation => d.kind === 'correlation'), byRef, diagnostics);
  return diagnostics;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** sigmatch's selector extension in a correlation's rules (see engine/correlate/plan-correlations). */
const SELECTOR = /^sigmatch:level>=(informational|low|medium|high|critical)$/;

/** An outer correlation groups an inner one's alerts by the inner group values: its group-by must be among them. */
function checkGroupBy(d: SigmaCorrelation, byRef: (ref: string) => SigmaDocument | undefined, diagnostics: Diagnostic[]): void {
  for (const ref of d.rules) {
    const inner = byRef(ref);
    if (inner?.kind !== 'correlation') continue;
    for (const g of d.groupBy) {
      if (!inner.groupBy.includes(g)) {
        diagnostics.push(error('correlation-group-by', `group-by '${g}' is not among the group-by fields of the inner correlation '${inner.title}' (${inner.groupBy.join(', ') || 'none'}), so its alerts cannot be grouped by it`, d.span));
      }
    }
    if (inner.level !== undefined || inner.status !== undefined) {
      diagnostics.push(warning('correlation-inner-meta', `'${inner.title}' is referenced by '${d.title}': only the outermost correlation of a chain should carry level and status`, inner.span));
    }
  }
}

/** A correlation that reaches itself through its references can never be evaluated: an error on each one in the cycle. */
function checkCycles(correlations: readonly SigmaCorrelation[], byRef: (ref: string) => SigmaDocument | undefined, diagnostics: Diagnostic[]): void {
  const state = new Map<SigmaCorrelation, 'open' | 'done'>();
  const reported = new Set<SigmaCorrelation>();
  const visit = (c: SigmaCorrelation, stack: SigmaCorrelation[]) => {
    const s = state.get(c);
    if (s === 'done') return;
    if (s === 'open') {
      const cycle = stack.slice(stack.indexOf(c));
      for (const x of cycle) {
        if (reported.has(x)) continue;
        reported.add(x);
        diagnostics.push(error('correlation-cycle', `correlation '${x.title}' is part of a reference cycle (${[...cycle, c].map((y) => y.name ?? y.id ?? y.title).join(' → ')})`, x.span));
      }
      return;
    }
    state.set(c, 'open');
    for (const ref of c.rules) {
      const t = byRef(ref);
      if (t?.kind === 'correlation') visit(t, [...stack, c]);
    }
    state.set(c, 'done');
  };
  for (const c of correlations) visit(c, []);
}

function checkAliases(d: SigmaCorrelation, byRef: (ref: string) => SigmaDocument | undefined, diagnostics: Diagnostic[]): void {
  const referenced = d.rules.map(byRef);
  for (const [alias, mapping] of d.aliases) {
    for (const ruleName of mapping.keys()) {
      const target = byRef(ruleName);
      if (target === undefined || (target as SigmaRule).name === undefined) {
        diagnostics.push(error('correlation-alias', `alias '${alias}' refers to '${ruleName}', which is not the name of a loaded rule`, d.span));
      } else if (!referenced.includes(target)) {
        diagnostics.push(error('correlation-alias', `alias '${alias}' names '${ruleName}', which is not among the correlation's rules`, d.span));
      }
    }
    if (!d.groupBy.includes(alias)) diagnostics.push(warning('correlation-alias', `alias '${alias}' is not used in group-by`, d.span));
    d.rules.forEach((ref, k) => {
      const t = referenced[k];
      if (t === undefined || t.kind === 'correlation') return;
      const named = [...mapping.keys()].some((key) => byRef(key) === t);
      if (!named) diagnostics.push(warning('correlation-alias', `alias '${alias}' does not say which field of '${ref}' it takes: the field '${alias}' itself is used`, d.span));
    });
  }
}
