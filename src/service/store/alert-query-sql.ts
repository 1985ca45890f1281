import { decodeCursor, type AlertQuery } from './alert-store.js';

/** How the two stores' SQL differs for the alert list: parameter markers and case-insensitive host equality. */
export interface AlertQueryDialect {
  /** The marker of the n-th parameter (1-based): `?` for SQLite, `$n` for PostgreSQL. */
  readonly param: (n: number) => string;
  /** `a.host` equal to the parameter `p`, ignoring case. */
  readonly hostEquals: (p: string) => string;
}

export const SQLITE_QUERY: AlertQueryDialect = { param: () => '?', hostEquals: (p) => `a.host = ${p} COLLATE NOCASE` };
export const POSTGRES_QUERY: AlertQueryDialect = { param: (n) => `$${n}`, hostEquals: (p) => `lower(a.host) = lower(${p})` };

/**
 * The WHERE clause and ORDER BY ... LIMIT of one alert-list page (newest first by created, id) after `select`,
 * and its parameters: the same filters and cursor on either store.
 */
export function alertQuerySql(select: string, q: AlertQuery, d: AlertQueryDialect): { readonly sql: string; readonly args: Array<string | number> } {
  const where: string[] = [];
  const args: Array<string | number> = [];
  const p = (v: string | number) => (args.push(v), d.param(args.length));
  if (q.from !== undefined) where.push(`a.event_time >= ${p(q.from)}`);
  if (q.to !== undefined) where.push(`a.event_time <= ${p(q.to)}`);
  if (q.host !== undefined) where.push(d.hostEquals(p(q.host)));
  if (q.rule !== undefined) where.push(`(a.rule_id = ${p(q.rule)} OR a.rule_title = ${p(q.rule)})`);
  if (q.level !== undefined) where.push(`a.level = ${p(q.level)}`);
  if (q.status !== undefined) where.push(`coalesce(t.status, 'open') = ${p(q.status)}`);
  if (q.assignee !== undefined) where.push(`t.assignee = ${p(q.assignee)}`);
  const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
  if (after !== undefined) where.push(`(a.created < ${p(after.created)} OR (a.created = ${p(after.created)} AND a.id < ${p(after.id)}))`);
  const sql = `${select} ${where.length > 0 ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY a.created DESC, a.id DESC LIMIT ${p(q.limit + 1)}`;
  return { sql, args };
}
