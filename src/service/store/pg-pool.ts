import pg from 'pg';
import { StoreUnavailable } from './alert-store-api.js';

/** The URL as it may be shown: without its password (and without query options, which may hold one too). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    u.search = '';
    return u.toString();
  } catch {
    return '(not a URL)';
  }
}

/** SQLSTATE classes and codes that mean "the server cannot be used now", not "the statement is wrong". */
const UNREACHABLE_STATES = /^(08|53|57P0)/;
/** Codes that mean the URL or the server's setup is wrong: retrying will not help. */
const CONFIG_STATES = /^(28|3D000|42501)/;

/** A PostgreSQL error's SQLSTATE or a socket error's code. */
const codeOf = (e: unknown): string => String((e as { code?: unknown }).code ?? '');

/** Whether the error says the server could not be reached or dropped the connection. */
export function isUnreachable(e: unknown): boolean {
  const code = codeOf(e);
  if (UNREACHABLE_STATES.test(code) || /^E[A-Z]+$/.test(code)) return true;
  const m = (e as Error).message ?? '';
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connect ECONNREFUSED/i.test(m);
}

/** Whether the error says the URL or the server's setup is wrong (authentication, no such database, no rights). */
export function isConfigError(e: unknown): boolean {
  if (e instanceof StoreUnavailable) return isConfigError(e.cause);
  return CONFIG_STATES.test(codeOf(e));
}

/** int8 (count(*), bigint columns) as a number: our values (ms, positions) stay below 2^53. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format ?? 'text'))) as typeof pg.types.getTypeParser,
};

/**
 * A pg Pool on the store's URL, its tables in the schema `sigmatch` (search_path), with errors mapped: a server
 * that is down or a connection lost becomes StoreUnavailable naming the URL without its password.
 */
export class PgPool {
  readonly pool: pg.Pool;
  readonly location: string;

  constructor(url: string, options: { readonly max?: number } = {}) {
    this.location = redactUrl(url);
    this.pool = new pg.Pool({ connectionString: url, max: options.max ?? 4, connectionTimeoutMillis: 5000, idleTimeoutMillis: 30_000, options: '-c search_path=sigmatch', types });
    // An idle connection the server dropped (PostgreSQL restarted): the pool discards it; the next query reconnects.
    this.pool.on('error', () => {});
  }

  /** The error as the service reports it. */
  wrap(e: unknown): Error {
    if (e instanceof StoreUnavailable) return e;
    if (isUnreachable(e)) return new StoreUnavailable(`the alert store ${this.location} is unreachable (${(e as Error).message || codeOf(e)})`, { cause: e });
    if (isConfigError(e)) return new StoreUnavailable(`the alert store ${this.location} refused us (${(e as Error).message})`, { cause: e });
    return e as Error;
  }

  async query<R extends pg.QueryResultRow>(text: string, args: readonly unknown[] = []): Promise<R[]> {
    try {
      return (await this.pool.query<R>(text, args as unknown[])).rows;
    } catch (e) {
      throw this.wrap(e);
    }
  }

  /** Runs `work` in one transaction on one connection; a connection that failed is not given back to the pool. */
  async transaction<T>(work: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      throw this.wrap(e);
    }
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const r = await work(client);
      await client.query('COMMIT');
      return r;
    } catch (e) {
      broken = e as Error;
      await client.query('ROLLBACK').catch(() => {});
      throw this.wrap(e);
    } finally {
      // Discard the connection after an error that may have left it unusable; keep it after a refused statement.
      client.release(broken !== undefined && isUnreachable(broken) ? broken : undefined);
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
