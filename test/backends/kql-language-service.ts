import { createRequire } from 'node:module';
import { DEFENDER_TABLES } from '../../src/backends/kql/defender-tables.js';
import { tableSchema, type KqlTable } from '../../src/backends/kql/kql-columns.js';
import { SENTINEL_EVENT_ROWS } from '../../src/backends/kql/sentinel-backend.js';
import { EVENT_TABLE, SECURITY_EVENT_TABLE } from '../../src/backends/kql/sentinel-tables.js';

/** Every table a converted query may name, declared from the mapping data itself (so a column we emit but never declared is an error). */
export const KQL_TABLES: readonly KqlTable[] = [...DEFENDER_TABLES, EVENT_TABLE, SECURITY_EVENT_TABLE];

export interface KqlDiagnostic {
  readonly code: string;
  readonly message: string;
  readonly start: number;
}

/** The name the checker gives the rows of SENTINEL_EVENT_ROWS (see kustoChecker). */
export const PARSED_EVENT_ROWS = 'SigmaParsedEventRows';

/** SENTINEL_EVENT_ROWS as it may stand in a query: its words with any white space between them (a union indents it). */
const EVENT_ROWS_TEXT = new RegExp(
  SENTINEL_EVENT_ROWS.split(/\s+/)
    .map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('\\s+'),
  'g',
);

/**
 * Microsoft's Kusto parser and semantic analyser (@kusto/language-service-next, a Bridge.NET build) over our tables.
 *
 * Every Sentinel query over `Event` starts with the same pipeline (SENTINEL_EVENT_ROWS: the event data's XML parsed
 * into a bag), and analysing it is half of such a query's analysis (about 10 ms of 20 in the Bridge.NET build). The
 * checker analyses it once, requires it clean, and declares its result (the service's own ResultType of that
 * pipeline, so the same columns with the same types) as the table PARSED_EVENT_ROWS; in each query the pipeline's
 * text is read as that table's name. What follows it is analysed against exactly the schema it would meet. A
 * diagnostic's `start` is then an offset into the query so rewritten.
 */
export function kustoChecker(tables: readonly KqlTable[] = KQL_TABLES): (query: string) => KqlDiagnostic[] {
  const require = createRequire(__filename);
  require('@kusto/language-service-next/bridge.min.js');
  require('@kusto/language-service-next/Kusto.Language.Bridge.min.js');
  // The bridge defines its namespace as a global; it has no module exports.
  const K = (globalThis as unknown as { Kusto: { Language: KustoLanguage } }).Kusto.Language;
  const symbols = tables.map((t) => new K.Symbols.TableSymbol.$ctor7(t.name, tableSchema(t), null));
  const database = (members: unknown[]) => K.GlobalState.Default.WithDatabase(new K.Symbols.DatabaseSymbol.$ctor3('sigmatch', null, members, false));
  const diagnostics = (code: KustoCodeResult) => {
    const list = code.GetDiagnostics();
    const out: KqlDiagnostic[] = [];
    for (let i = 0; i < list.Count; i++) {
      const d = list.getItem(i);
      out.push({ code: d.Code, message: d.Message, start: d.Start });
    }
    return out;
  };
  let globals = database(symbols);
  if (tables.some((t) => t.name === 'Event')) {
    const rows = K.KustoCode.ParseAndAnalyze(SENTINEL_EVENT_ROWS, globals);
    const wrong = diagnostics(rows);
    if (wrong.length > 0) throw new Error(`the Sentinel Event pipeline does not analyse clean: ${wrong.map((d) => `${d.code} ${d.message} @${d.start}`).join('; ')}`);
    globals = database([...symbols, rows.ResultType.WithName(PARSED_EVENT_ROWS)]);
  }
  return (query) => diagnostics(K.KustoCode.ParseAndAnalyze(query.replace(EVENT_ROWS_TEXT, PARSED_EVENT_ROWS), globals));
}

interface KustoCodeResult {
  GetDiagnostics: () => { Count: number; getItem: (i: number) => { Code: string; Message: string; Start: number } };
  readonly ResultType: { WithName: (name: string) => unknown };
}

/** The few members of the bridge's API used here. */
interface KustoLanguage {
  Symbols: {
    TableSymbol: { $ctor7: new (name: string, schema: string, description: null) => unknown };
    DatabaseSymbol: { $ctor3: new (name: string, alternate: null, members: unknown[], isOpen: boolean) => unknown };
  };
  GlobalState: { Default: { WithDatabase: (db: unknown) => unknown } };
  KustoCode: { ParseAndAnalyze: (text: string, globals: unknown) => KustoCodeResult };
}
