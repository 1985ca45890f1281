/** The scalar types a KQL column can have in the tables we declare. */
export type KqlType = 'string' | 'long' | 'int' | 'real' | 'bool' | 'datetime' | 'dynamic';

/** What a Sigma field is on one KQL table: a column (or an expression of columns), or a field this source never has. */
export type KqlField =
  | { readonly kind: 'column'; readonly expr: string; readonly type: KqlType }
  /** The engine never sees this field on these events: every test on it fails, as on a missing field. */
  | { readonly kind: 'absent' };

/** One declared KQL table: its columns and their types (the language-service schema is made from this). */
export interface KqlTable {
  readonly name: string;
  readonly columns: Readonly<Record<string, KqlType>>;
}

/** A table's declared schema in the language service's `(name:type, ...)` form. */
export function tableSchema(table: KqlTable): string {
  return `(${Object.entries(table.columns)
    .map(([n, t]) => `['${n}']:${t}`)
    .join(', ')})`;
}
