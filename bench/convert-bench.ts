import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startTestPostgres } from './postgres-server.js';

/**
 * `node dist/bench/convert-bench.js --rules DIR --file EVTX`: (1) `sigmatch convert` of every rule under DIR to each
 * target, rules per second and how many converted; (2) the same hunt three ways on the same events: the file hunt,
 * and `hunt --db` on DuckDB, SQLite and PostgreSQL after `sigmatch load` (load time apart), built-in pack, with
 * the alert counts side by side. Prints a Markdown section.
 */
const { values } = parseArgs({ options: { rules: { type: 'string' }, file: { type: 'string' } } });
const rules = values.rules;
const file = values.file;
if (rules === undefined || !existsSync(rules) || file === undefined || !existsSync(file)) throw new Error('convert-bench: --rules DIR and --file EVTX are required and must exist');
const cli = resolve('dist/src/cli/main.js');
const TARGETS = ['postgres', 'duckdb', 'sqlite', 'clickhouse', 'kql-sentinel', 'kql-defender'];

function run(args: string[]): { seconds: number; stdout: string; stderr: string; status: number | null } {
  const t = performance.now();
  const r = spawnSync('node', [cli, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
  return { seconds: (performance.now() - t) / 1000, stdout: r.stdout, stderr: r.stderr, status: r.status };
}

const lines = ['### Converting rules (`sigmatch convert`)', '', `Every rule under ${rules} (the process's whole run, rule loading included, cache warm), JSON listing to stdout.`, '', '| target | rules | converted | refused | seconds | rules/s |', '|---|---:|---:|---:|---:|---:|'];
run(['convert', '--target', 'postgres', '--format', 'json', rules]); // warms the parsed-rule cache
for (const target of TARGETS) {
  const r = run(['convert', '--target', target, '--format', 'json', rules]);
  const m = /(\d+) rules: (\d+) converted to \S+, (\d+) refused/.exec(r.stderr);
  if (m === null) {
    lines.push(`| ${target} | convert failed (exit ${r.status}): ${r.stderr.slice(-200).replace(/\n/g, ' ')} | | | | |`);
    continue;
  }
  process.stderr.write(`convert ${target}: ${m[1]} rules, ${m[2]} converted in ${r.seconds.toFixed(2)} s\n`);
  lines.push(`| ${target} | ${m[1]} | ${m[2]} | ${m[3]} | ${r.seconds.toFixed(2)} | ${Math.round(Number(m[1]) / r.seconds)} |`);
}

const dir = mkdtempSync(join(tmpdir(), 'sigmatch-convert-bench-'));
lines.push('', `### Hunting in a database (\`sigmatch hunt --db\`, built-in pack, ${file.split('/').pop()})`, '', 'The same events hunted from the file and, after `sigmatch load`, in each database; seconds are the hunt\'s whole run (the load apart).', '', '| where | load s | hunt s | alerts |', '|---|---:|---:|---:|');
const alerts = (stderr: string) => /Alerts: (\d+)/.exec(stderr)?.[1] ?? '?';
try {
  const fileHunt = run(['hunt', '--format', 'jsonl', '--output', '/dev/null', file]);
  lines.push(`| the EVTX file | — | ${fileHunt.seconds.toFixed(1)} | ${alerts(fileHunt.stderr)} |`);
  const pg = await startTestPostgres({ durable: true });
  try {
    const urls: Array<[string, string]> = [
      ['DuckDB', `duckdb:${join(dir, 'h.duckdb')}`],
      ['SQLite', `sqlite:${join(dir, 'h.sqlite')}`],
      ...(pg !== undefined ? ([['PostgreSQL 15', pg.url]] as Array<[string, string]>) : []),
    ];
    for (const [name, url] of urls) {
      const load = run(['load', '--db', url, '--fresh', file]);
      const hunt = run(['hunt', '--db', url, '--format', 'jsonl', '--output', '/dev/null']);
      const refused = /(\d+) could not be converted exactly/.exec(hunt.stderr)?.[1] ?? '?';
      process.stderr.write(`hunt --db ${name}: load ${load.seconds.toFixed(1)} s, hunt ${hunt.seconds.toFixed(1)} s, ${alerts(hunt.stderr)} alerts\n`);
      lines.push(`| ${name}${refused !== '0' ? ` (${refused} rules not run there)` : ''} | ${load.seconds.toFixed(1)} | ${hunt.seconds.toFixed(1)} | ${alerts(hunt.stderr)} |`);
    }
  } finally {
    pg?.stop();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.stdout.write(lines.join('\n') + '\n');
