import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import type { PgPool } from './pg-pool.js';
import { migratePostgres } from './pg-schema.js';
import { fromRow, hashOf, isScope, newToken, TOUCH_EVERY_MS, TokenError, type Row, type Scope, type TokenAuthority, type TokenInfo } from './token-store.js';

/** The channel `sigmatch token` notifies on a change (in the same transaction, so it is delivered at commit). */
const CHANNEL = 'sigmatch_tokens';
/** How often the mirror reads the table again when no notification came (a lost LISTEN connection, say). */
const POLL_MS = 5_000;

/**
 * The named tokens in PostgreSQL (`sigmatch token --store URL`, table sigmatch.api_tokens), for sites whose
 * instances share one alert store: a token made once works on every instance, a revoked one is refused by all.
 */
export class PgTokens {
  constructor(
    private readonly db: PgPool,
    private readonly now: () => number = Date.now,
  ) {}

  /** Makes a token and returns it (the only time it is seen). A name in use by a token not revoked is refused. */
  async create(name: string, scope: Scope): Promise<string> {
    const token = newToken(name);
    await migratePostgres(this.db);
    await this.db.transaction(async (c) => {
      const old = (await c.query<{ revoked: number | null }>('SELECT revoked FROM api_tokens WHERE name = $1 FOR UPDATE', [name])).rows[0];
      if (old !== undefined && old.revoked === null) throw new TokenError(`a token named '${name}' exists; revoke it first or choose another name`);
      await c.query(
        'INSERT INTO api_tokens (name, scope, hash, created, last_used, revoked) VALUES ($1, $2, $3, $4, NULL, NULL) ' +
          'ON CONFLICT (name) DO UPDATE SET scope = EXCLUDED.scope, hash = EXCLUDED.hash, created = EXCLUDED.created, last_used = NULL, revoked = NULL',
        [name, scope, hashOf(token), this.now()],
      );
      await c.query('SELECT pg_notify($1, $2)', [CHANNEL, name]);
    });
    return token;
  }

  async list(): Promise<TokenInfo[]> {
    await migratePostgres(this.db);
    return (await this.db.query<Row>('SELECT name, scope, created, last_used, revoked FROM api_tokens ORDER BY name')).map(fromRow);
  }

  /** Revokes the named token; false when there is no such token or it was revoked already. */
  async revoke(name: string): Promise<boolean> {
    await migratePostgres(this.db);
    return this.db.transaction(async (c) => {
      const r = await c.query('UPDATE api_tokens SET revoked = $1 WHERE name = $2 AND revoked IS NULL', [this.now(), name]);
      if ((r.rowCount ?? 0) > 0) await c.query('SELECT pg_notify($1, $2)', [CHANNEL, name]);
      return (r.rowCount ?? 0) > 0;
    });
  }
}

interface Active {
  readonly name: string;
  readonly scope: Scope;
  lastUsed: number | undefined;
}

/**
 * The service's view of the PostgreSQL tokens: every active token's hash in memory, so a request is checked without
 * a round trip. It is read again on each notification from `sigmatch token` (LISTEN) and every POLL_MS, and kept
 * in the data dir (`pg-tokens.json`, hashes only) so an instance that starts while PostgreSQL is down still takes
 * the tokens it knew. On a first start with PostgreSQL down (no copy yet) it knows no named token: they are refused,
 * and ingest needs only SIGMATCH_INGEST_TOKEN if set, as in a data dir without ingest tokens, so events keep being
 * journaled; it says so in the log.
 */
export class PgTokenMirror implements TokenAuthority {
  private active = new Map<string, Active>();
  private known = false;
  private ingest = false;
  private listener: pg.Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private loading: Promise<void> | undefined;
  private again = false;
  private failing = false;

  private constructor(
    private readonly db: PgPool,
    private readonly url: string,
    private readonly cacheFile: string,
    private readonly now: () => number,
    private readonly onError: (message: string) => void,
  ) {}

  /** Starts mirroring: the data dir's copy at once, then the table (not awaited past `waitMs`: PostgreSQL may be down). */
  static async start(db: PgPool, url: string, dataDir: string, now: () => number, onError: (message: string) => void, waitMs = 5_000): Promise<PgTokenMirror> {
    const m = new PgTokenMirror(db, url, join(dataDir, 'pg-tokens.json'), now, onError);
    m.readCopy();
    const first = m.reload();
    await Promise.race([first, new Promise((done) => setTimeout(done, waitMs).unref())]);
    if (!m.known) onError('API tokens: not read from PostgreSQL yet and no copy in the data dir: named tokens are refused and ingest takes requests without a named token until it answers');
    m.timer = setInterval(() => void m.reload(), POLL_MS);
    m.timer.unref();
    return m;
  }

  check(token: string): { readonly name: string; readonly scope: Scope } | undefined {
    const t = this.active.get(hashOf(token).toString('hex'));
    if (t === undefined) return undefined;
    const at = this.now();
    if (t.lastUsed === undefined || at - t.lastUsed >= TOUCH_EVERY_MS) {
      t.lastUsed = at;
      // A hint, written in the background: a store that is down does not hold up the request.
      this.db.query('UPDATE api_tokens SET last_used = $1 WHERE name = $2 AND (last_used IS NULL OR last_used < $1)', [at, t.name]).catch(() => {});
    }
    return { name: t.name, scope: t.scope };
  }

  hasIngestTokens(): boolean {
    return this.ingest;
  }

  /** Whether the tokens have been read from PostgreSQL or the data dir's copy. */
  get ready(): boolean {
    return this.known;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.loading?.catch(() => {});
    await this.listener?.end().catch(() => {});
    this.listener = undefined;
  }

  /** Reads the table again (one read at a time; a notification during one makes another). */
  private reload(): Promise<void> {
    if (this.loading !== undefined) {
      this.again = true;
      return this.loading;
    }
    this.loading = (async () => {
      do {
        this.again = false;
        try {
          await this.listen();
          await migratePostgres(this.db);
          const rows = await this.db.query<Row>('SELECT name, scope, hash, created, last_used, revoked FROM api_tokens WHERE revoked IS NULL');
          this.replace(rows.map((r) => ({ hash: Buffer.from((r as Row & { hash: Buffer }).hash).toString('hex'), name: r.name, scope: isScope(r.scope) ? r.scope : 'read', lastUsed: r.last_used ?? undefined })));
          this.writeCopy();
          this.failing = false;
        } catch (e) {
          // Said once when it starts failing, not at every poll.
          if (!this.closed && !this.failing) this.onError(`API tokens: ${(e as Error).message}; the tokens known before are used until it answers`);
          this.failing = true;
        }
      } while (this.again && !this.closed);
    })().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private replace(list: ReadonlyArray<{ hash: string; name: string; scope: Scope; lastUsed: number | undefined }>): void {
    const next = new Map<string, Active>();
    for (const t of list) next.set(t.hash, { name: t.name, scope: t.scope, lastUsed: this.active.get(t.hash)?.lastUsed ?? t.lastUsed });
    this.active = next;
    this.ingest = list.some((t) => t.scope === 'ingest');
    this.known = true;
  }

  /** A connection of its own that LISTENs; when it is lost, the next poll opens another. */
  private async listen(): Promise<void> {
    if (this.listener !== undefined || this.closed) return;
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 5000, options: '-c search_path=sigmatch' });
    const drop = () => {
      if (this.listener === client) this.listener = undefined;
      client.end().catch(() => {});
    };
    client.on('error', drop);
    client.on('end', drop);
    client.on('notification', () => void this.reload());
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    if (this.closed) {
      await client.end().catch(() => {});
      return;
    }
    this.listener = client;
  }

  private readCopy(): void {
    try {
      const doc = JSON.parse(readFileSync(this.cacheFile, 'utf8')) as { tokens?: unknown };
      if (!Array.isArray(doc.tokens)) return;
      const list = doc.tokens.filter((t): t is { hash: string; name: string; scope: Scope } => typeof t?.hash === 'string' && typeof t?.name === 'string' && isScope(t?.scope));
      this.replace(list.map((t) => ({ ...t, lastUsed: undefined })));
    } catch {
      // No copy yet (first start), or one cut short by a crash: the table is read next.
    }
  }

  private writeCopy(): void {
    const tokens = [...this.active].map(([hash, t]) => ({ hash, name: t.name, scope: t.scope }));
    const tmp = `${this.cacheFile}.${process.pid}.tmp`;
    try {
      writeFileSync(tmp, JSON.stringify({ note: 'sha256 of the active API tokens in the PostgreSQL store, for starts while it is down', tokens }) + '\n', { mode: 0o600 });
      renameSync(tmp, this.cacheFile);
    } catch {
      // A read-only data dir: the copy is a convenience.
    }
  }
}
