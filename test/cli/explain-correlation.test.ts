import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sigmatch, sigmatchAsync } from './run-cli.js';

const LOG = 'examples/ws01-sysmon.evtx';
let dir: string;

const base = (title: string, id: string, name: string, eventId: number) => `title: ${title}
id: ${id}
name: ${name}
status: test
logsource:
  product: windows
  service: security
detection:
  selection:
    EventID: ${eventId}
  condition: selection
level: low
`;
const correlation = (title: string, id: string, name: string, body: string) => `title: ${title}
id: ${id}
name: ${name}
status: test
correlation:
${body}
level: high
`;
const RULES = [
  base('Login Failed', '11111111-1111-4111-8111-111111111111', 'login_failed', 4625),
  base('Login Succeeded', '22222222-2222-4222-8222-222222222222', 'login_ok', 4624),
  correlation('Many Failed Logins', '33333333-3333-4333-8333-333333333333', 'many_failed', '  type: event_count\n  rules: [login_failed]\n  group-by: [TargetUserName]\n  timespan: 5m\n  condition:\n    gte: 3'),
  correlation('Failed Logins From Many Addresses', '44444444-4444-4444-8444-444444444444', 'many_sources', '  type: value_count\n  rules: [login_failed]\n  group-by: [TargetUserName]\n  timespan: 5m\n  condition:\n    field: IpAddress\n    gte: 3'),
  correlation('Failed Then Succeeded', '55555555-5555-4555-8555-555555555555', 'failed_then_ok', '  type: temporal_ordered\n  rules: [many_failed, login_ok]\n  group-by: [TargetUserName]\n  timespan: 10m'),
].join('---\n');

const event = (minute: string, eventId: number, user: string, ip: string) => JSON.stringify({ EventID: eventId, Channel: 'Security', Computer: 'DC1', TimeCreated: `2026-05-04T10:${minute}Z`, TargetUserName: user, IpAddress: ip });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sigmatch-explain-corr-'));
  writeFileSync(join(dir, 'rules.yml'), RULES);
  // Three failures from three addresses within 2 minutes, then a success.
  writeFileSync(join(dir, 'burst.jsonl'), [event('00:00', 4625, 'bob', '10.0.0.1'), event('01:00', 4625, 'bob', '10.0.0.2'), event('02:00', 4625, 'bob', '10.0.0.3'), event('03:00', 4624, 'bob', '10.0.0.3')].join('\n') + '\n');
  // Three failures from one address, the third 8 minutes after the second: at most 2 in any 5 minutes.
  writeFileSync(join(dir, 'sparse.jsonl'), [event('00:00', 4625, 'bob', '10.0.0.1'), event('01:00', 4625, 'bob', '10.0.0.1'), event('09:00', 4625, 'bob', '10.0.0.1')].join('\n') + '\n');
  writeFileSync(join(dir, 'tuning.yml'), 'title: Known scanner\nlogsource:\n  product: windows\n  service: security\nfilter:\n  rules: [login_failed]\n  selection:\n    IpAddress: 10.0.0.3\n  condition: not selection\n');
  writeFileSync(join(dir, 'broken.yml'), 'title: Broken\nname: broken\ncorrelation:\n  type: event_count\n  rules: [login_failed]\n  group-by: [Computer]\n  timespan: 5q\n  condition:\n    gte: 1\n');
  writeFileSync(join(dir, 'dangling.yml'), correlation('Dangling', '66666666-6666-4666-8666-666666666666', 'dangling', '  type: event_count\n  rules: [no_such_rule]\n  group-by: [Computer]\n  timespan: 5m\n  condition:\n    gte: 1'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rules = () => ['--rules', join(dir, 'rules.yml')];

describe('sigmatch explain on a correlation', () => {
  test('the built-in chain fires on the example log with the same firings as the hunt, each with its contributing events', async () => {
    const hunt = await sigmatchAsync(['hunt', '--quiet', '--only-correlations', '--format', 'jsonl', 'examples/']);
    const titles = hunt.stdout.split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as { rule: { name: string } }).rule.name);
    expect(titles.length).toBeGreaterThan(0);
    for (const name of ['proxy_utility_start_then_connect', 'proxy_utility_download', 'proxy_utility_download_execute']) {
      const r = await sigmatchAsync(['explain', '--rule', name, '--event', LOG]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const title = /^Correlation: (.*) \(/m.exec(r.stdout)?.[1] as string;
      const fired = Number(/verdict: fired (\d+) time/.exec(r.stdout)?.[1]);
      expect(fired).toBe(titles.filter((t) => t === title).length);
    }
    const r = await sigmatchAsync(['explain', '--rule', 'proxy_utility_start_then_connect', 'examples/']);
    expect(r.stdout).toContain('firings: 1');
    expect(r.stdout).toMatch(/Computer=WS01\.corp\.example ProcessGuid=\{[0-9A-F-]+\}: window \S+ to \S+, rules=2 \(needs gte 2\)/);
    expect(r.stdout).toMatch(/Proxy-Execution Utility Started {2}host WS01\.corp\.example {2}examples\/ws01-sysmon\.evtx record 103 {2}image C:\\Windows\\System32\\cmstp\.exe/);
    // The chain's inner correlation, and its contributing connection under it.
    expect(r.stdout).toContain('proxy_utility_outbound (correlation Proxy-Execution Utility Connected Out): 2 firings');
    expect(r.stdout).toMatch(/correlation Proxy-Execution Utility Connected Out .*count=1 \(gte 1\).*\n\s+\S+ {2}Outbound Network Connection Initiated By Cmstp\.EXE .* record 105/);
  });

  test('event_count, value_count and a temporal_ordered chain fire on a burst; exit 0', () => {
    for (const [name, aggregate] of [['many_failed', 'count=3'], ['many_sources', 'distinct=3'], ['failed_then_ok', 'rules=2']] as const) {
      const r = sigmatch(['explain', ...rules(), '--rule', name, join(dir, 'burst.jsonl')]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`TargetUserName=bob: window`);
      expect(r.stdout).toContain(aggregate);
      expect(r.stdout).toContain('verdict: fired 1 time');
    }
    const chain = sigmatch(['explain', ...rules(), '--rule', '55555555-5555-4555-8555-555555555555', join(dir, 'burst.jsonl')]);
    expect(chain.stdout).toContain('Many Failed Logins (33333333-3333-4333-8333-333333333333): event_count, condition gte 3, 3 items in 1 groups, fired 1 times');
    expect(chain.stdout).toMatch(/Login Succeeded {2}host DC1 {2}\S+burst\.jsonl line 4/);
  });

  test('not fired: a referenced rule that never matched is named; the nearest window against the threshold; exit 1', () => {
    const never = sigmatch(['explain', ...rules(), '--rule', 'failed_then_ok', join(dir, 'sparse.jsonl')]);
    expect(never.code).toBe(1);
    expect(never.stdout).toContain('login_ok (rule Login Succeeded): 0 matches');
    expect(never.stdout).toContain('verdict: did not fire:');
    // The inner correlation's own result: 3 failures, never 3 in 5 minutes.
    expect(never.stdout).toContain('why not: nearest window 2026-05-04T09:56:00.000Z to 2026-05-04T10:01:00.000Z (TargetUserName=bob): 2, needs gte 3');

    const burstOnly = sigmatch(['explain', ...rules(), '--rule', 'many_failed', join(dir, 'sparse.jsonl')]);
    expect(burstOnly.code).toBe(1);
    expect(burstOnly.stdout).toContain('verdict: did not fire: nearest window 2026-05-04T09:56:00.000Z to 2026-05-04T10:01:00.000Z (TargetUserName=bob): 2, needs gte 3');

    // On a log with none of the chain's events: the rule that never matched is the reason.
    const r = sigmatch(['explain', ...rules(), '--rule', 'failed_then_ok', '--event', LOG]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('verdict: did not fire: no referenced rule matched');
    const partial = sigmatch(['explain', '--rule', 'proxy_utility_download_execute', '--event', join(dir, 'burst.jsonl')]);
    expect(partial.code).toBe(1);
    expect(partial.stdout).toContain('proxy_utility_writes_executable (rule Proxy-Execution Utility Writes an Executable File): 0 matches');
  });

  test('--filters: base matches a filter suppresses do not count, as in the hunt', () => {
    const r = sigmatch(['explain', ...rules(), '--rule', 'many_failed', '--filters', join(dir, 'tuning.yml'), join(dir, 'burst.jsonl')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('1 matches suppressed by filters did not count');
    expect(r.stdout).toContain('login_failed (rule Login Failed): 2 matches');
    expect(r.stdout).toContain('2, needs gte 3');
  });

  test('--format json: the same facts', () => {
    const fired = sigmatch(['explain', ...rules(), '--rule', 'many_sources', '--format', 'json', join(dir, 'burst.jsonl')]);
    expect(fired.code).toBe(0);
    const j = JSON.parse(fired.stdout) as { fired: boolean; correlation: { type: string; members: Array<{ reference: string; items: number }> }; firings: Array<{ group: Record<string, string>; aggregate: string; windowStart: string; windowEnd: string; alert: { sigmatch: { correlation: { contributor_count: number } } } }> };
    expect(j.fired).toBe(true);
    expect(j.correlation.type).toBe('value_count');
    expect(j.correlation.members).toEqual([{ reference: 'login_failed', kind: 'rule', title: 'Login Failed', items: 3 }]);
    expect(j.firings).toHaveLength(1);
    expect(j.firings[0]?.group).toEqual({ TargetUserName: 'bob' });
    expect(j.firings[0]?.aggregate).toBe('3');
    expect(j.firings[0]?.alert.sigmatch.correlation.contributor_count).toBe(3);

    const quiet = sigmatch(['explain', ...rules(), '--rule', 'many_failed', '--format', 'json', join(dir, 'sparse.jsonl')]);
    expect(quiet.code).toBe(1);
    const q = JSON.parse(quiet.stdout) as { fired: boolean; correlation: { nearest: { aggregate: number; shortfall: number; group: string[] }; whyNotFired: string } };
    expect(q.fired).toBe(false);
    expect(q.correlation.nearest.aggregate).toBe(2);
    expect(q.correlation.nearest.group).toEqual(['bob']);
    expect(q.correlation.whyNotFired).toContain('needs gte 3');
  });

  test('usage errors: a record suffix, --event-json, no logs, a correlation that cannot run; exit 2', () => {
    const record = sigmatch(['explain', '--rule', 'proxy_utility_download', '--event', `${LOG}:105`]);
    expect(record.code).toBe(2);
    expect(record.stderr).toContain(`--event ${LOG}:105: a record makes no sense for a correlation (proxy_utility_download), which runs over whole logs: give ${LOG} without :105`);
    const json = sigmatch(['explain', '--rule', 'proxy_utility_download', '--event-json', '{}']);
    expect(json.code).toBe(2);
    expect(json.stderr).toContain('is a correlation (proxy_utility_download): it runs over logs');
    const none = sigmatch(['explain', '--rule', 'proxy_utility_download']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('give the logs to run it over');
    const dangling = sigmatch(['explain', '--rule', join(dir, 'dangling.yml'), LOG]);
    expect(dangling.code).toBe(2);
    expect(dangling.stderr).toContain('the correlation Dangling');
    expect(dangling.stderr).toContain('cannot run');
    expect(dangling.stderr).toContain('no_such_rule');
    expect(dangling.stderr).not.toMatch(/\n\s+at /);
    const two = sigmatch(['explain', '--rule', join(dir, 'rules.yml'), LOG]);
    expect(two.code).toBe(2);
    expect(two.stderr).toContain('the file holds 2 correlations no other one references (many_sources, failed_then_ok)');
    // A correlation file that does not load: the diagnostic with its line:column.
    const broken = sigmatch(['explain', '--rule', join(dir, 'broken.yml'), LOG]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain(`--rule ${join(dir, 'broken.yml')}: no valid rule or correlation in the file (${join(dir, 'broken.yml')}:7:13: error correlation-timespan:`);
  });

  test('a base rule still takes one event: two are a usage error', () => {
    const r = sigmatch(['explain', '--rule', '47c894ee-c2b8-55e8-b332-3ba3ee37e8ce', '--event', `${LOG}:105`, '--event', `${LOG}:100`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is a rule: give one event');
  });
});
