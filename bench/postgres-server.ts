import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export interface TestPostgres {
  readonly url: string;
  stop(): void;
}

/** Debian's server binaries (package postgresql), newest version first. */
function binDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  for (const v of versions) if (existsSync(join(root, v, 'bin', 'initdb'))) return join(root, v, 'bin');
  return undefined;
}

export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a !== null ? done(a.port) : fail(new Error('no port'))));
    });
  });
}

/**
 * A PostgreSQL server for the tests: SIGMATCH_TEST_PG_URL when set, else a fresh cluster on 127.0.0.1 and a free port
 * (initdb + pg_ctl, run as user postgres when the tests run as root, since the server refuses root). Under CI=true a
 * missing server is a failure, never a skip; elsewhere the caller skips and says so. Tests run it without fsync;
 * `durable` keeps PostgreSQL's defaults (fsync, synchronous commit) for the benchmark's load figures.
 */
export async function startTestPostgres(options: { readonly durable?: boolean } = {}): Promise<TestPostgres | undefined> {
  const given = process.env['SIGMATCH_TEST_PG_URL'];
  if (given !== undefined && given !== '') return { url: given, stop: () => {} };
  const bin = binDir();
  if (bin === undefined) {
    const message = 'PostgreSQL server binaries not found under /usr/lib/postgresql (apt-get install -y postgresql), and SIGMATCH_TEST_PG_URL is not set';
    if (process.env['CI'] === 'true') throw new Error(message);
    console.warn(`SKIPPED: ${message}`);
    return undefined;
  }
  const root = userInfo().uid === 0;
  const dir = mkdtempSync(join(tmpdir(), 'sigmatch-pg-'));
  chmodSync(dir, 0o777);
  const as = (cmd: string, args: string[]) => (root ? execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: 'pipe' }) : execFileSync(cmd, args, { stdio: 'pipe' }));
  const data = join(dir, 'data');
  as(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C.UTF-8']);
  const port = await freePort();
  as(join(bin, 'pg_ctl'), ['-D', data, '-l', join(dir, 'log'), '-w', '-o', `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} ${options.durable === true ? '' : ' -c fsync=off -c synchronous_commit=off'} -c jit=off`, 'start']);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: () => {
      const r = root ? spawnSync('runuser', ['-u', 'postgres', '--', join(bin, 'pg_ctl'), '-D', data, '-m', 'immediate', 'stop']) : spawnSync(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']);
      if (r.status === 0) rmSync(dir, { recursive: true, force: true });
    },
  };
}
