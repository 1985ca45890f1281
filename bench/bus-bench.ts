import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './postgres-server.js';

/** A nats-server process with JetStream on 127.0.0.1 (the tests' and the bench's; Debian package nats-server). */
export interface NatsServer {
  /** `127.0.0.1:PORT`, as --bus takes it. */
  readonly address: string;
  readonly port: number;
  readonly name: string;
  readonly child: ChildProcess;
  /** stderr so far. */
  readonly log: () => string;
  /** SIGKILL. */
  kill(): Promise<void>;
}

/** The nats-server binary; missing is an error (never a skip): the bus tests and bench need the real server. */
export function natsServerBinary(): string {
  for (const p of [process.env['SIGMATCH_NATS_SERVER'], '/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server']) if (p !== undefined && p !== '' && existsSync(p)) return p;
  const which = spawnSync('sh', ['-c', 'command -v nats-server'], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim() !== '') return which.stdout.trim();
  throw new Error('nats-server not found (apt-get install -y nats-server, or set SIGMATCH_NATS_SERVER): the bus tests and bench run a real NATS JetStream server');
}

function launch(bin: string, name: string, port: number, args: string[], dir: string): Promise<NatsServer> {
  const child = spawn(bin, ['-js', '-sd', join(dir, name), '-a', '127.0.0.1', '-p', String(port), '-n', name, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.setEncoding('utf8');
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const server: NatsServer = {
    address: `127.0.0.1:${port}`,
    port,
    name,
    child,
    log: () => log,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`nats-server ${name} did not start in 10 s:\n${log}`)), 10_000);
    child.stderr?.on('data', (t: string) => {
      log += t;
      if (/Server is ready/.test(log)) {
        clearTimeout(timer);
        done(server);
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      fail(new Error(`nats-server ${name} exited before it was ready:\n${log}`));
    });
  });
}

/** NATS servers with JetStream, for tests and the bench: one server (nodes = 1) or a cluster; `restart(i)` brings node i back on its port and store; `stop` kills them all. */
export async function startNats(nodes = 1): Promise<{ readonly servers: NatsServer[]; readonly bus: string; restart(i: number): Promise<NatsServer>; stop(): Promise<void> }> {
  const bin = natsServerBinary();
  const dir = mkdtempSync(join(tmpdir(), 'sigmatch-nats-'));
  const ports = await Promise.all(Array.from({ length: nodes }, () => freePort()));
  const clusterPorts = nodes > 1 ? await Promise.all(Array.from({ length: nodes }, () => freePort())) : [];
  const argsOf = (i: number) => (nodes > 1 ? ['--cluster_name', 'sigmatch', '--cluster', `nats://127.0.0.1:${clusterPorts[i]}`, '--routes', clusterPorts.filter((_, j) => j !== i).map((p) => `nats://127.0.0.1:${p}`).join(',')] : []);
  const servers = await Promise.all(ports.map((port, i) => launch(bin, `n${i + 1}`, port, argsOf(i), dir)));
  return {
    servers,
    bus: `nats://${servers.map((s) => s.address).join(',')}`,
    restart: async (i) => {
      await servers[i]?.kill();
      const s = await launch(bin, `n${i + 1}`, ports[i] as number, argsOf(i), dir);
      servers[i] = s;
      return s;
    },
    stop: async () => {
      await Promise.all(servers.map((s) => s.kill()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
