import { createHash, randomBytes } from 'node:crypto';
import type { Db } from './open-database.js';

/**
 * What a token may do: `ingest` only send events; `read` GET the API, `triage` also change alerts' triage,
 * `admin` everything (ingest too).
 */
export const SCOPES = ['ingest', 'read', 'triage', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export const isScope = (v: string): v is Scope => (SCOPES as readonly string[]).includes(v);

const API_LADDER: readonly Scope[] = ['read', 'triage', 'admin'];

/** Whether a token of scope `have` may do what needs `need`: admin all; on the API each scope includes those below it. */
export function scopeAllows(have: Scope, need: Scope): boolean {
  if (have === 'admin' || have === need) return true;
  if (have === 'ingest' || need === 'ingest') return false;
  return API_LADDER.indexOf(have) >= API_LADDER.indexOf(need);
}

export interface TokenInfo {
  readonly name: string;
  readonly scope: Scope;
  readonly created: number;
  readonly lastUsed: number | undefined;
  readonly revoked: number | undefined;
}

export interface Row {
  name: string;
  scope: string;
  created: number;
  last_used: number | null;
  revoked: number | null;
}

export const fromRow = (r: Row): TokenInfo => ({ name: r.name, scope: isScope(r.scope) ? r.scope : 'read', created: r.created, lastUsed: r.last_used ?? undefined, revoked: r.revoked ?? undefined });

/** Only the hash is stored: 32 random bytes need no salt or slow hash, nobody guesses them. */
export const hashOf = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

/** last_used is written at most this often per token: a read API call should not be an fsync'd write each time. */
export const TOUCH_EVERY_MS = 60_000;

/** A refusal the caller can show as it is (a name taken, a name unknown). */
export class TokenError extends Error {}

/** A new token's text, after checking its name (TokenError for a name that cannot be one). */
export function newToken(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/.test(name)) throw new TokenError(`token name '${name}': use 1 to 64 letters, digits, '.', '_', '@' or '-' (starting with a letter or digit)`);
  return `smt_${randomBytes(32).toString('base64url')}`;
}

/** What the service asks of the named tokens on each request (the data dir's, or PostgreSQL's with --store). */
export interface TokenAuthority {
  /** The token's name and scope when it is one of ours and not revoked. */
  check(token: string): { readonly name: string; readonly scope: Scope } | undefined;
  /** Whether an active token has scope ingest: then ingest needs a token. */
  hasIngestTokens(): boolean;
}

/**
 * The API tokens of a data dir (table api_tokens). The service asks on every request, so a token created or
 * revoked by `sigmatch token` in another process counts from the next request on.
 */
export class TokenStore implements TokenAuthority {
  private readonly byHash;
  private readonly touchStmt;
  private readonly ingestStmt;

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.byHash = db.prepare('SELECT * FROM api_tokens WHERE hash = ?');
    this.touchStmt = db.prepare('UPDATE api_tokens SET last_used = ? WHERE name = ?');
    this.ingestStmt = db.prepare("SELECT 1 FROM api_tokens WHERE scope = 'ingest' AND revoked IS NULL LIMIT 1").pluck();
  }

  /** Makes a token and returns it (the only time it is seen). A name in use by a token not revoked is refused. */
  create(name: string, scope: Scope): string {
    const token = newToken(name);
    this.db.transaction(() => {
      const old = this.db.prepare('SELECT revoked FROM api_tokens WHERE name = ?').get(name) as { revoked: number | null } | undefined;
      if (old !== undefined && old.revoked === null) throw new TokenError(`a token named '${name}' exists; revoke it first or choose another name`);
      this.db.prepare('INSERT OR REPLACE INTO api_tokens (name, scope, hash, created, last_used, revoked) VALUES (?, ?, ?, ?, NULL, NULL)').run(name, scope, hashOf(token), this.now());
    }).immediate();
    return token;
  }

  /** Whether an active token has scope ingest: then ingest needs a token. */
  hasIngestTokens(): boolean {
    return this.ingestStmt.get() !== undefined;
  }

  list(): TokenInfo[] {
    return (this.db.prepare('SELECT * FROM api_tokens ORDER BY name').all() as Row[]).map(fromRow);
  }

  /** Revokes the named token; false when there is no such token or it was revoked already. */
  revoke(name: string): boolean {
    return this.db.prepare('UPDATE api_tokens SET revoked = ? WHERE name = ? AND revoked IS NULL').run(this.now(), name).changes > 0;
  }

  /** The token's name and scope when it is one of ours and not revoked; notes when it was used. */
  check(token: string): { readonly name: string; readonly scope: Scope } | undefined {
    const r = this.byHash.get(hashOf(token)) as Row | undefined;
    if (r === undefined || r.revoked !== null) return undefined;
    const t = this.now();
    if (r.last_used === null || t - r.last_used >= TOUCH_EVERY_MS) {
      try {
        this.touchStmt.run(t, r.name);
      } catch {
        // Busy past the timeout (detection committing a big batch): last-used is a hint, the request goes on.
      }
    }
    return fromRow(r);
  }
}
