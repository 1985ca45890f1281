import { createRequire } from 'node:module';
import { DEFENDER_TABLES } from '../../src/backends/kql/defender-tables.js';
import { tableSchema, type KqlTable } from '../../src/backends/kql/kql-columns.js';
import { EVENT_TABLE, SECURITY_EVENT_TABLE } from '../../src/backends/kql/sentinel-tables.js';

/** Every table a converted query may name, declared from the mapping data itself (so a column we emit but never declared is an error). */
export const KQL_TABLES: readonly KqlTable[] = [...DEFENDER_TABLES, EVENT_TABLE, SECURITY_EVENT_TABLE];

export interface KqlDiagnostic {
  readonly code: string;
  readonly message: string;
  readonly start: number;
}

/** Microsoft's Kusto parser and semantic analyser (@kusto/language-service-next, a Bridge.NET build) over our tables. */
export function kustoChecker(tables: readonly KqlTable[] = KQL_TABLES): (query: string) => KqlDiagnostic[] {
  const require = createRequire(__filename);
  require('@kusto/language-service-next/bridge.min.js');
  require('@kusto/language-service-next/Kusto.Language.Bridge.min.js');
  // The bridge defines its namespace as a global; it has no module exports.
  const K = (globalThis as unknown as { Kusto: { Language: KustoLanguage } }).Kusto.Language;
  const symbols = tables.map((t) => new K.Symbols.TableSymbol.$ctor7(t.name, tableSchema(t), null));
  const globals = K.GlobalState.Default.WithDatabase(new K.Symbols.DatabaseSymbol.$ctor3('sigmatch', null, symbols, false));
  return (query) => {
    const list = K.KustoCode.ParseAndAnalyze(query, globals).GetDiagnostics();
    const out: KqlDiagnostic[] = [];
    for (let i = 0; i < list.Count; i++) {
      const d = list.getItem(i);
      out.push({ code: d.Code, message: d.Message, start: d.Start });
    }
    return out;
  };
}

/** The few members of the bridge's API used here. */
interface KustoLanguage {
  Symbols: {
    TableSymbol: { $ctor7: new (name: string, schema: string, description: null) => unknown };
    DatabaseSymbol: { $ctor3: new (name: string, alternate: null, members: unknown[], isOpen: boolean) => unknown };
  };
  GlobalState: { Default: { WithDatabase: (db: unknown) => unknown } };
  KustoCode: {
    ParseAndAnalyze: (text: string, globals: unknown) => { GetDiagnostics: () => { Count: number; getItem: (i: number) => { Code: string; Message: string; Start: number } } };
  };
}
