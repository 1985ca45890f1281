import { evaluate, searchMatches, type SplRow } from './evaluate.js';
import { splitTop } from '../kql-model/run-correlation.js';
import { parseExpr, parseSearch, type Expr, type Search } from './parse.js';

/**
 * The commands the correlation searches use, as the Splunk search reference states them (MODELLED: no Splunk here):
 * a search of terms, `multisearch` (each subsearch's results, an event once per subsearch that keeps it), `eval`
 * (assignments left to right), `where`, `sort 0` (no limit; str() as text, num() as numbers), `streamstats`,
 * `rename` and `table`. streamstats: for each result in order, the aggregates over its window, the current result
 * included (current=true); `window=N` holds the last N results, of the result's group when global=false, else of all
 * results (then aggregated over the group's among them); `reset_after="(expr)"` is evaluated after the result got its
 * aggregates (it may read them) and, when true, empties the accumulated statistics and the windows of every group
 * (the SPL2 usage page's example resets both hosts); `addinfo` (the search's time range as info_min_time and
 * info_max_time, epoch seconds) and `fields - name*`. A command or option outside this throws.
 */
export type Stage =
  | { readonly kind: 'search'; readonly search: Search }
  | { readonly kind: 'multisearch'; readonly legs: ReadonlyArray<readonly Stage[]> }
  | { readonly kind: 'eval'; readonly assignments: ReadonlyArray<{ readonly field: string; readonly expr: Expr }> }
  | { readonly kind: 'where'; readonly expr: Expr }
  | { readonly kind: 'sort'; readonly keys: ReadonlyArray<{ readonly field: string; readonly as: 'str' | 'num' }> }
  | {
      readonly kind: 'streamstats';
      readonly window: number;
      readonly global: boolean;
      readonly resetAfter?: Expr;
      readonly aggregates: ReadonlyArray<{ readonly fn: 'count' | 'min'; readonly field?: string; readonly as: string }>;
      readonly by: readonly string[];
    }
  | { readonly kind: 'rename'; readonly pairs: ReadonlyArray<readonly [string, string]> }
  | { readonly kind: 'addinfo' }
  | { readonly kind: 'fields-'; readonly prefixes: readonly string[] }
  | { readonly kind: 'table'; readonly fields: readonly string[] };

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const name = (text: string): string => {
  if (!NAME.test(text)) throw new Error(`field name '${text}' is not in the model`);
  return text;
};

function parseStage(text: string): Stage {
  const m = /^(\w+) ?([^]*)$/.exec(text);
  if (m === null) throw new Error(`a stage not in the model: ${text.slice(0, 60)}`);
  const [, command, rest] = m as unknown as [string, string, string];
  switch (command) {
    case 'where':
      return { kind: 'where', expr: parseExpr(rest) };
    case 'eval':
      return {
        kind: 'eval',
        assignments: splitTop(rest, ', ').map((a) => {
          const eq = a.indexOf('=');
          return { field: name(a.slice(0, eq)), expr: parseExpr(a.slice(eq + 1)) };
        }),
      };
    case 'sort': {
      const k = /^0 (.*)$/.exec(rest);
      if (k === null) throw new Error('sort without a 0 limit is not in the model');
      const keys = (k[1] as string).split(', ').map((key) => {
        const f = /^(str|num)\((\w+)\)$/.exec(key);
        if (f === null) throw new Error(`sort key ${key} is not in the model`);
        return { field: f[2] as string, as: f[1] as 'str' | 'num' };
      });
      return { kind: 'sort', keys };
    }
    case 'streamstats':
      return parseStreamstats(rest);
    case 'rename':
      return {
        kind: 'rename',
        pairs: rest.split(', ').map((pair) => {
          const p = /^(\w+) AS (\w+)$/.exec(pair);
          if (p === null) throw new Error(`rename ${pair} is not in the model`);
          return [p[1] as string, p[2] as string] as const;
        }),
      };
    case 'table':
      return { kind: 'table', fields: rest.split(' ').map(name) };
    case 'addinfo':
      if (rest !== '') throw new Error('addinfo takes no arguments here');
      return { kind: 'addinfo' };
    case 'fields': {
      const f = /^- ((?:\w+\*? ?)+)$/.exec(rest);
      if (f === null) throw new Error(`fields ${rest} is not in the model`);
      return { kind: 'fields-', prefixes: (f[1] as string).trim().split(' ') };
    }
    default:
      throw new Error(`command ${command} is not in the model`);
  }
}

function parseStreamstats(text: string): Stage {
  let rest = text;
  let window = 0;
  let global = true;
  let resetAfter: Expr | undefined;
  for (;;) {
    const reset = /^reset_after="\(((?:[^"\\]|\\.)*)\)" /.exec(rest);
    const opt = /^(window|global)=(\w+) /.exec(rest);
    if (reset !== null) {
      resetAfter = parseExpr(reset[1] as string);
      rest = rest.slice(reset[0].length);
    } else if (opt !== null) {
      if (opt[1] === 'window') window = Number(opt[2]);
      else if (opt[2] === 'false' || opt[2] === 'true') global = opt[2] === 'true';
      else throw new Error(`global=${opt[2]}`);
      rest = rest.slice(opt[0].length);
    } else break;
  }
  if (!(window > 0)) throw new Error('streamstats without window= is not in the model (the reference: max_stream_window applies)');
  const [aggText, byText] = rest.split(' BY ') as [string, string | undefined];
  const aggregates: Array<{ fn: 'count' | 'min'; field?: string; as: string }> = [];
  const re = /(count|min\((\w+)\)) AS (\w+)( |$)/y;
  for (let m = re.exec(aggText); m !== null; m = re.exec(aggText)) {
    aggregates.push({ fn: m[1] === 'count' ? 'count' : 'min', ...(m[2] !== undefined ? { field: m[2] } : {}), as: m[3] as string });
    if (re.lastIndex >= aggText.length) break;
  }
  if (aggregates.length === 0 || re.lastIndex !== aggText.length) throw new Error(`streamstats aggregates not in the model: ${aggText}`);
  return { kind: 'streamstats', window, global, ...(resetAfter !== undefined ? { resetAfter } : {}), aggregates, by: byText === undefined ? [] : byText.split(' ').map(name) };
}

/** A whole search: a search of terms (or `| multisearch [search …] …`) and the commands after it. */
export function parsePipeline(text: string): Stage[] {
  const parts = splitTop(text, '\n| ');
  const first = parts[0] as string;
  const head: Stage[] = [];
  if (first.startsWith('| multisearch ')) {
    const legs = splitTop(first.slice('| multisearch '.length), ' ').map((leg) => {
      const inner = /^\[search ([^]*)\]$/.exec(leg);
      if (inner === null) throw new Error(`a multisearch subsearch not in the model: ${leg.slice(0, 60)}`);
      return parsePipeline(inner[1] as string);
    });
    if (legs.length < 2) throw new Error('multisearch needs two subsearches');
    head.push({ kind: 'multisearch', legs });
  } else head.push({ kind: 'search', search: parseSearch(first) });
  return [...head, ...parts.slice(1).map(parseStage)];
}

type Row = Record<string, string[]>;

function assign(row: Row, field: string, v: ReturnType<typeof evaluate>): void {
  if (v === null) delete row[field];
  else row[field] = Array.isArray(v) ? [...v] : [typeof v === 'boolean' ? String(v) : String(v)];
}

/** How `sort` orders results whose keys tie: the reference does not say, so the test runs both ways. */
export type TieOrder = 'input' | 'reversed';

/** Runs a parsed search over the rows (each taken as a copy); `range` is the search's time range (epoch seconds) for addinfo. */
export function runPipeline(stages: readonly Stage[], input: readonly SplRow[], ties: TieOrder = 'input', range?: { readonly min: number; readonly max: number }): Row[] {
  let rows: Row[] = input.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, [...v]])));
  for (const s of stages) {
    switch (s.kind) {
      case 'search':
        rows = rows.filter((r) => searchMatches(s.search, r));
        break;
      case 'multisearch':
        rows = s.legs.flatMap((leg) => runPipeline(leg, rows, ties, range));
        break;
      case 'eval':
        for (const r of rows) for (const a of s.assignments) assign(r, a.field, evaluate(a.expr, r));
        break;
      case 'where':
        rows = rows.filter((r) => evaluate(s.expr, r) === true);
        break;
      case 'sort': {
        const key = (r: Row, k: { field: string; as: 'str' | 'num' }) => {
          const v = r[k.field]?.[0];
          if (v === undefined) throw new Error(`sort: a result without ${k.field} is not in the model`);
          return k.as === 'num' ? Number(v) : v;
        };
        const indexed = rows.map((r, i) => ({ r, i }));
        indexed.sort((a, b) => {
          for (const k of s.keys) {
            const x = key(a.r, k);
            const y = key(b.r, k);
            if (x < y) return -1;
            if (x > y) return 1;
          }
          return ties === 'input' ? a.i - b.i : b.i - a.i;
        });
        rows = indexed.map((x) => x.r);
        break;
      }
      case 'streamstats':
        streamstats(s, rows);
        break;
      case 'rename':
        for (const r of rows) {
          for (const [from, to] of s.pairs) {
            const v = r[from];
            delete r[from];
            if (v !== undefined) r[to] = v;
          }
        }
        break;
      case 'addinfo':
        if (range === undefined) throw new Error('addinfo needs the search\'s time range');
        for (const r of rows) Object.assign(r, { info_min_time: [String(range.min)], info_max_time: [String(range.max)] });
        break;
      case 'fields-':
        rows = rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !s.prefixes.some((p) => (p.endsWith('*') ? k.startsWith(p.slice(0, -1)) : k === p)))));
        break;
      case 'table':
        rows = rows.map((r) => Object.fromEntries(s.fields.flatMap((f) => (r[f] === undefined ? [] : [[f, r[f] as string[]]]))));
        break;
      default: {
        const never: never = s;
        throw new Error(`stage ${JSON.stringify(never)}`);
      }
    }
  }
  return rows;
}

function streamstats(s: Extract<Stage, { kind: 'streamstats' }>, rows: Row[]): void {
  // Per group (global=false) or one for all: the last `window` results.
  const windows = new Map<string, Row[]>();
  for (const r of rows) {
    const values = s.by.map((f) => {
      const v = r[f];
      if (v === undefined || v.length !== 1) throw new Error(`streamstats: a result without one value of ${f} is not in the model`);
      return v[0] as string;
    });
    const key = JSON.stringify(values);
    const slot = s.global ? '' : key;
    const w = windows.get(slot) ?? [];
    windows.set(slot, w);
    w.push(r);
    if (w.length > s.window) w.shift();
    const mine = s.global ? w.filter((x) => JSON.stringify(s.by.map((f) => x[f]?.[0])) === key) : w;
    for (const a of s.aggregates) {
      if (a.fn === 'count') assign(r, a.as, mine.length);
      else {
        const nums = mine.flatMap((x) => (x[a.field as string] ?? []).map(Number)).filter((n) => !Number.isNaN(n));
        assign(r, a.as, nums.length === 0 ? null : Math.min(...nums));
      }
    }
    if (s.resetAfter !== undefined && evaluate(s.resetAfter, r) === true) windows.clear();
  }
}
