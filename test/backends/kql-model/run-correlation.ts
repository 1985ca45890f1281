import { evaluate, type Row, type Value } from './evaluate.js';
import { parseExpr } from './parse.js';
import { modelRuleRows } from './run-query.js';

type Tables = ReadonlyMap<string, ReadonlyArray<{ id: number; row: Row }>>;

/**
 * The tabular operators of a converted correlation query, modelled as KQL documents them, for exactly the shape
 * kql-correlation.ts emits: `union (leg), …` of rule queries (or inner correlation queries) each ending in a
 * `project`, then `where`, `extend`, `project`, `sort by … asc`, `summarize arg_max(c, *) by …` and a `scan` of one
 * step whose condition is `true` (so every record matches it, and `s1.col` is the previous record's value, or the
 * declared default before the first). Anything else throws.
 */
export function runModelCorrelation(query: string, tables: Tables): Row[] {
  const [head, ...stages] = splitTop(query, '\n| ');
  if (head === undefined || !head.startsWith('union\n')) throw new Error(`correlation query does not start with a union: ${query.slice(0, 60)}`);
  let rows: Row[] = splitTop(head.slice('union\n'.length), ',\n').flatMap((leg) => runLeg(unwrap(leg), tables));
  for (const stage of stages) rows = runStage(stage, rows);
  return rows;
}

/** Stages (the text after `| `) run over rows: for the model's own tests. */
export function runModelStages(rows: readonly Row[], stages: readonly string[]): Row[] {
  let out = [...rows];
  for (const stage of stages) out = runStage(stage, out);
  return out;
}

/** A leg: a rule query (or a correlation query) and the project that makes its items. */
function runLeg(leg: string, tables: Tables): Row[] {
  const stages = splitTop(leg, '\n| ');
  const last = stages.pop();
  if (last === undefined || !last.startsWith('project ')) throw new Error('a union leg must end in a project');
  const source = stages.join('\n| ');
  const rows = stages.some((s) => s.startsWith('scan ')) ? runModelCorrelation(source, tables) : modelRuleRows(source, tables).map((r) => r.row);
  return runStage(last, rows);
}

function runStage(stage: string, rows: readonly Row[]): Row[] {
  const [op, rest] = [stage.slice(0, stage.indexOf(' ')), stage.slice(stage.indexOf(' ') + 1)];
  switch (op) {
    case 'where': {
      const e = parseExpr(rest);
      return rows.filter((r) => evaluate(e, r) === true);
    }
    case 'extend':
    case 'project': {
      const items = splitTop(rest, ',').map((item) => {
        const m = /^\s*([A-Za-z_][A-Za-z0-9_]*|\['(?:[^']|'')*'\]|\["(?:[^"\\]|\\.)*"\])\s*(?:=\s*([\s\S]*))?$/.exec(item);
        if (m === null) throw new Error(`not a column assignment: ${item.slice(0, 60)}`);
        const name = columnName(m[1] as string);
        return { name, expr: parseExpr(m[2] ?? name) };
      });
      return rows.map((r) => {
        const out: Record<string, Value> = op === 'extend' ? { ...r } : {};
        // Each assignment sees the ones before it (extend a = …, b = a + 1).
        for (const { name, expr } of items) out[name] = evaluate(expr, op === 'extend' ? out : { ...r, ...out });
        return out;
      });
    }
    case 'sort': {
      const keys = rest.replace(/^by /, '').split(', ').map((k) => {
        const [col, dir] = k.split(' ');
        if (dir !== 'asc') throw new Error(`sort key not in the model: ${k}`);
        return col as string;
      });
      return [...rows].sort((a, b) => {
        for (const k of keys) {
          const c = compare(a[k] ?? null, b[k] ?? null);
          if (c !== 0) return c;
        }
        return 0;
      });
    }
    case 'summarize':
      return argMax(rest, rows);
    case 'scan':
      return scan(rest, rows);
    default:
      throw new Error(`stage not in the model: ${stage.slice(0, 60)}`);
  }
}

/** `arg_max(c, *) by k1, k2`: per group of the by-columns, the row with the greatest c (the groups' first-seen order). */
function argMax(rest: string, rows: readonly Row[]): Row[] {
  const m = /^arg_max\(([A-Za-z_]\w*), \*\) by ([\w, ]+)$/.exec(rest);
  if (m === null) throw new Error(`summarize not in the model: ${rest}`);
  const [col, by] = [m[1] as string, (m[2] as string).split(', ')];
  const best = new Map<string, Row>();
  for (const r of rows) {
    const key = JSON.stringify(by.map((b) => r[b] ?? null));
    const have = best.get(key);
    if (have === undefined || compare(r[col] ?? null, have[col] ?? null) > 0) best.set(key, r);
  }
  return [...best.values()];
}

/** `declare (name: type [= literal], …) with (\nstep s1: true => a = …, b = …;\n)`. */
function scan(rest: string, rows: readonly Row[]): Row[] {
  const m = /^declare \(([^)]*)\) with \(\nstep (\w+): true => ([\s\S]*);\n\)$/.exec(rest);
  if (m === null) throw new Error(`scan not in the model: ${rest.slice(0, 80)}`);
  const [decl, step, body] = [m[1] as string, m[2] as string, m[3] as string];
  const defaults: Record<string, Value> = {};
  for (const d of decl.split(', ')) {
    const dm = /^(\w+): (\w+)(?: = (.+))?$/.exec(d);
    if (dm === null) throw new Error(`declaration not in the model: ${d}`);
    defaults[dm[1] as string] = dm[3] === undefined ? null : evaluate(parseExpr(dm[3]), {});
  }
  const assignments = splitTop(body, ',\n').map((a) => {
    const am = /^\s*(\w+) = ([\s\S]*)$/.exec(a);
    if (am === null || !((am[1] as string) in defaults)) throw new Error(`scan assignment not in the model: ${a.slice(0, 60)}`);
    return { name: am[1] as string, expr: parseExpr(am[2] as string) };
  });
  const out: Row[] = [];
  let state: Row | undefined;
  for (const r of rows) {
    const ctx: Record<string, Value> = { ...r };
    for (const [k, v] of Object.entries(state ?? { ...Object.fromEntries(Object.keys(r).map((c) => [c, null])), ...defaults })) ctx[`${step}.${k}`] = v;
    // Every assignment reads the previous state and the record, never another assignment of the same step.
    const next: Record<string, Value> = { ...r, ...defaults };
    for (const a of assignments) next[a.name] = evaluate(a.expr, ctx);
    out.push(next);
    state = next;
  }
  return out;
}

function compare(a: Value, b: Value): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const [x, y] = [String(a), String(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

function columnName(written: string): string {
  if (written.startsWith("['")) return written.slice(2, -2).replace(/''/g, "'");
  if (written.startsWith('["')) return JSON.parse(written.slice(1, -1)) as string;
  return written;
}

/** `(text)` without its parentheses. */
function unwrap(leg: string): string {
  const t = leg.trim();
  if (!t.startsWith('(') || !t.endsWith(')')) throw new Error(`a union leg must be parenthesised: ${t.slice(0, 40)}`);
  return t.slice(1, -1);
}

/** Splits at each `sep` outside parentheses, brackets and string literals. */
export function splitTop(text: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '"' || c === "'") {
      for (i++; i < text.length && text[i] !== c; i++) if (text[i] === '\\') i++;
    } else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (depth === 0 && text.startsWith(sep, i)) {
      out.push(text.slice(start, i));
      start = i + sep.length;
      i += sep.length - 1;
    }
  }
  out.push(text.slice(start));
  return out;
}
