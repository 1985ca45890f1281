import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Option } from 'commander';
import { openDatabase, type Db } from '../service/store/open-database.js';
import { SCOPES, TokenError, TokenStore, type Scope, type TokenInfo } from '../service/store/token-store.js';
import type { CommandIO, CommandSpec } from './command.js';
import { examples } from './option-values.js';
import { UsageError } from './usage-error.js';

interface TokenOptions {
  readonly data: string;
  readonly store?: string;
  readonly name?: string;
  readonly scope?: Scope;
}

const iso = (t: number | undefined): string => (t === undefined ? '-' : new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z'));

function table(tokens: readonly TokenInfo[]): string {
  const rows = [['NAME', 'SCOPE', 'CREATED', 'LAST USED', 'STATE'], ...tokens.map((t) => [t.name, t.scope, iso(t.created), iso(t.lastUsed), t.revoked === undefined ? 'active' : `revoked ${iso(t.revoked)}`])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] as string).length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] as number))).join('  ')).join('\n') + '\n';
}

/** The data dir's database; list and revoke need one to exist (create makes it, as serve would). */
function open(dir: string, create: boolean): Db | undefined {
  if (!create && !existsSync(join(dir, 'sigmatch.db'))) return undefined;
  return openDatabase(dir);
}

/** The same actions on the PostgreSQL store's tokens (`--store URL`), shared by every instance of that store. */
async function runPostgres(action: string, rest: readonly string[], o: TokenOptions & { store: string }, io: CommandIO): Promise<number> {
  if (!/^postgres(ql)?:\/\//.test(o.store)) throw new UsageError(`--store ${o.store}: expected a postgres:// URL (the --store of the service)`);
  const [{ PgPool, redactUrl }, { PgTokens }] = await Promise.all([import('../service/store/pg-pool.js'), import('../service/store/pg-tokens.js')]);
  const db = new PgPool(o.store, { max: 1 });
  const where = redactUrl(o.store);
  try {
    const tokens = new PgTokens(db);
    if (action === 'create') {
      if (o.name === undefined || o.scope === undefined) throw new UsageError(`token create needs --name NAME and --scope ${SCOPES.join('|')}`);
      const token = await tokens.create(o.name, o.scope);
      io.out(`${token}\n`);
      io.err(`sigmatch token: token '${o.name}' (scope ${o.scope}) created in ${where}, for every instance of that store; it is shown only now (send it as Authorization: Bearer TOKEN)\n`);
      return 0;
    }
    if (action === 'list') {
      io.out(table(await tokens.list()));
      return 0;
    }
    const name = rest[0];
    if (name === undefined) throw new UsageError('token revoke needs the NAME of the token');
    if (!(await tokens.revoke(name))) {
      io.err(`sigmatch token: no active token named '${name}' in ${where} (see sigmatch token list --store URL)\n`);
      return 1;
    }
    io.err(`sigmatch token: token '${name}' revoked in ${where}; every instance of that store refuses it within seconds\n`);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    if (e instanceof TokenError) {
      io.err(`sigmatch token: ${e.message}\n`);
      return 1;
    }
    // The server down or refusing us: its URL without the password, never a stack.
    io.err(`sigmatch token: ${db.wrap(e).message}\n`);
    return 69;
  } finally {
    await db.close().catch(() => {});
  }
}

function run(action: string, rest: readonly string[], o: TokenOptions, io: CommandIO): number | Promise<number> {
  if (o.store !== undefined) return runPostgres(action, rest, { ...o, store: o.store }, io);
  const db = open(o.data, action === 'create');
  if (db === undefined) {
    io.err(`sigmatch token: no sigmatch data in ${o.data} (no sigmatch.db; give the --data of the service)\n`);
    return 66;
  }
  try {
    const tokens = new TokenStore(db);
    if (action === 'create') {
      if (o.name === undefined || o.scope === undefined) throw new UsageError(`token create needs --name NAME and --scope ${SCOPES.join('|')}`);
      const token = tokens.create(o.name, o.scope);
      io.out(`${token}\n`);
      io.err(`sigmatch token: token '${o.name}' (scope ${o.scope}) created in ${o.data}; it is shown only now (send it as Authorization: Bearer TOKEN)\n`);
      return 0;
    }
    if (action === 'list') {
      io.out(table(tokens.list()));
      return 0;
    }
    const name = rest[0];
    if (name === undefined) throw new UsageError('token revoke needs the NAME of the token');
    if (!tokens.revoke(name)) {
      io.err(`sigmatch token: no active token named '${name}' in ${o.data} (see sigmatch token list)\n`);
      return 1;
    }
    io.err(`sigmatch token: token '${name}' revoked; the service refuses it from the next request on\n`);
    return 0;
  } catch (e) {
    if (!(e instanceof TokenError)) throw e;
    io.err(`sigmatch token: ${e.message}\n`);
    return 1;
  } finally {
    db.close();
  }
}

export const token: CommandSpec = {
  summary: 'create, list and revoke the API tokens of a sigmatch serve data dir',
  define: (command) =>
    command
      .usage('create --name NAME --scope SCOPE | list | revoke NAME  [--data DIR]')
      .argument('<action...>', 'create | list | revoke NAME')
      .addOption(new Option('--data <dir>', 'the data dir of the service (its sigmatch.db)').default('sigmatch-data'))
      .option('--store <url>', "the service's PostgreSQL store (postgres://...): the tokens of every instance that shares it, instead of one data dir's")
      .option('--name <name>', 'create: the token\'s name, recorded as "who" in the triage audit trail')
      .addOption(new Option('--scope <scope>', `create: what the token may do: ingest (send events only; once one exists, ingest needs a token), read (GET the API), triage (also change alerts' triage and add notes), admin (everything)`).choices(SCOPES))
      .addHelpText(
        'after',
        '\nThe token is printed once, on stdout; only its SHA-256 is stored. A running service sees new and revoked tokens at once.\n' +
          examples([
            ['sigmatch token create --data /var/lib/sigmatch --name alice --scope triage', 'a token for an analyst who triages alerts'],
            ['sigmatch token list --data /var/lib/sigmatch', 'names, scopes, when created and last used (never the tokens)'],
            ['sigmatch token revoke --data /var/lib/sigmatch alice', 'refused from the next request on'],
            ['sigmatch token create --store postgres://sigmatch@db/sigmatch --name shipper --scope ingest', 'a token for every instance of a shared PostgreSQL store'],
          ]),
      ),
  run(words, options, io) {
    const [action, ...rest] = words;
    if (action !== 'create' && action !== 'list' && action !== 'revoke') throw new UsageError(`'${action}' is not a token action: create, list or revoke NAME`);
    if (action !== 'revoke' && rest.length > 0) throw new UsageError(`token ${action} takes no arguments besides options (got '${rest.join(' ')}')`);
    return run(action, rest, options as unknown as TokenOptions, io);
  },
};
