import type { Dialect } from './dialect.js';

/** A conversion target: its dialect table, its field names, and how a condition becomes a whole query. */
export interface BackendSpec {
  readonly summary: string;
  readonly dialect: Dialect;
  /** Sigma field name → the target's name for it; a name not listed is kept as written. */
  readonly fields: Readonly<Record<string, string>>;
  /** The whole query around a rendered condition. */
  readonly query: (condition: string) => string;
}
