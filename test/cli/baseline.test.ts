import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { writeSiteWeeks } from '../tuning/site-weeks.js';
import { sigmatchAsync } from './run-cli.js';

const ROOT = resolve(__dirname, '../..');

describe('sigmatch baseline with a site configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sigmatch-baseline-'));
  const site = writeSiteWeeks(dir);
  const rules = join(dir, 'rules');
  // The site's rules: the pack's twelve network rules, copied as a site would keep them.
  mkdirSync(rules);
  for (const f of readdirSync(join(ROOT, 'rules')).filter((x) => x.startsWith('net_connection_win_'))) copyFileSync(join(ROOT, 'rules', f), join(rules, f));

  test("the configuration's rules and disables are used; its errors are shown with line:column and the rest holds", async () => {
    const config = join(dir, 'site.yml');
    writeFileSync(config, 'rules: [rules]\ndisable:\n  - d15c7669-22da-5d28-8d6d-41416b5fb1f7   # BGInfo\nmin-level: severe\n');
    const r = await sigmatchAsync(['baseline', '--config', config, '--out', join(dir, 'out'), '--min-count', '2', site.baseline]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`${config}:4:12: error config-level: 'min-level': 'severe' is not a level`);
    expect(r.stdout).toContain('with 11 rules');
    expect(r.stdout).toMatch(/Wrote 3 filter files/);
    expect(r.stdout).not.toContain('bginfo');
  });

  test('a --config that does not exist is a usage error', async () => {
    const r = await sigmatchAsync(['baseline', '--config', join(dir, 'absent.yml'), '--out', join(dir, 'out2'), site.baseline]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot read the site configuration/);
  });
});
