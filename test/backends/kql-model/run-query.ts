import { KQL_TABLES } from '../kql-language-service.js';
import { evaluate, type Row } from './evaluate.js';
import { parseExpr, type Expr } from './parse.js';

/** The one stage pair the Sentinel target emits before its where: modelled as "SigmaEventData is the event-data bag" (the row holds it). */
const BAG_STAGES = [
  'extend SigmaXml = parse_xml(EventData)',
  'mv-apply SigmaData = SigmaXml.DataItem.EventData.Data on (summarize SigmaEventData = make_bag(bag_pack(replace_string(tostring(SigmaData["@Name"]), " ", ""), tostring(SigmaData["#text"]))))',
];

interface Part {
  readonly table: string;
  readonly wheres: readonly Expr[];
  /** The event-data stages are there: rows have SigmaEventData. */
  readonly bag: boolean;
}

const DECLARED = new Map(KQL_TABLES.map((t) => [t.name, Object.keys(t.columns)]));

/** A tabular expression of the emitted shape: `T | stage…`, or `union (T | …), (T | …)`; anything else throws. */
function parseQuery(query: string): Part[] {
  const parts = query.startsWith('union\n') ? query.slice('union\n'.length).split(/\),\n {2}\(/).map((p, i, all) => p.replace(i === 0 ? /^ {2}\(/ : /^/, '').replace(i === all.length - 1 ? /\)$/ : /$/, '')) : [query];
  return parts.map((text) => {
    const [table, ...stages] = text.split(/\n\s*\| /);
    const wheres: Expr[] = [];
    let bagAt = 0;
    for (const s of stages) {
      if (s.startsWith('where ')) wheres.push(parseExpr(s.slice('where '.length)));
      else if (s === BAG_STAGES[bagAt]) bagAt++;
      else throw new Error(`stage not in the model: ${s.slice(0, 80)}`);
    }
    if (bagAt !== 0 && bagAt !== BAG_STAGES.length) throw new Error('half of the event-data stages');
    return { table: table as string, wheres, bag: bagAt !== 0 };
  });
}

/**
 * The rows a rule query returns: each part's table rows on which every where is true (null and false drop a row).
 * A union's rows carry every part's columns, null where a row's table has none (KQL's outer union).
 */
export function modelRuleRows(query: string, tables: ReadonlyMap<string, ReadonlyArray<{ id: number; row: Row }>>): Array<{ id: number; row: Row }> {
  const out: Array<{ id: number; row: Row }> = [];
  const parts = parseQuery(query);
  for (const part of parts) {
    const rows = tables.get(part.table);
    if (rows === undefined) throw new Error(`no table ${part.table} in the model`);
    for (const r of rows) if (part.wheres.every((w) => evaluate(w, r.row) === true)) out.push(r);
  }
  if (parts.length < 2) return out;
  const columns = new Set(parts.flatMap((part) => [...(DECLARED.get(part.table) ?? []), ...(part.bag ? ['SigmaEventData'] : [])]));
  return out.map((r) => ({ id: r.id, row: Object.fromEntries([...columns].map((c) => [c, r.row[c] ?? null])) }));
}

/** The record ids a query keeps, in id order. */
export function runModelQuery(query: string, tables: ReadonlyMap<string, ReadonlyArray<{ id: number; row: Row }>>): number[] {
  return [...new Set(modelRuleRows(query, tables).map((r) => r.id))].sort((a, b) => a - b);
}
