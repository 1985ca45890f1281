import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Story } from '../../../src/engine/story/story.js';
import { sigmatch, sigmatchAsync } from '../../cli/run-cli.js';
import type { PackedStories } from '../../../src/output/html/pack-stories.js';
import { blobs, storyBlobs } from './report-blobs.js';

const dir = mkdtempSync(join(tmpdir(), 'sigmatch-hunt-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function report(name: string, ...args: string[]): Promise<string> {
  const file = join(dir, name);
  const r = await sigmatchAsync(['hunt', 'examples/', '--format', 'html', '--output', file, '--quiet', ...args], { SOURCE_DATE_EPOCH: '1767225600' });
  expect(r.code, r.stderr).toBe(1);
  return readFileSync(file, 'utf8');
}

describe('hunt --format html', () => {
  it('gives the example\'s cmstp alert its whole story: explorer → WINWORD → cmd → cmstp, the connection with its domain, the file it wrote', async () => {
    const html = await report('a.html');
    const stories = storyBlobs(html).flat() as Story[];
    expect(stories).toHaveLength(5);
    const s = stories.find((x) => x.alert.rule === 'Outbound Network Connection Initiated By Cmstp.EXE') as Story;
    const chain = s.processes.filter((p) => p.depth <= 0).map((p) => p.image?.split('\\').pop()?.toLowerCase());
    expect(chain).toEqual(['explorer.exe', 'winword.exe', 'cmd.exe', 'cmstp.exe']);
    const cmstp = s.processes.find((p) => p.id === s.focus);
    expect(cmstp?.connections[0]).toMatchObject({ ip: '203.0.113.50', port: 443, domain: 'cdn-update.example.net' });
    expect(cmstp?.files.map((f) => f.path)).toContain('C:\\Users\\alice\\AppData\\Roaming\\Microsoft\\msupd.exe');
    expect(s.timeline.length).toBeGreaterThan(0);
    const corr = stories.find((x) => x.alert.kind === 'correlation') as Story;
    expect(corr.contributors.length).toBeGreaterThan(0);
    // The whole story as a reviewed file: UPDATE_GOLDEN=1 rewrites it after a deliberate change.
    const golden = join(__dirname, '../../engine/story/golden/example-cmstp.json');
    if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(golden, JSON.stringify(s, null, 2) + '\n');
    expect(existsSync(golden), `${golden} is missing: run with UPDATE_GOLDEN=1 to write it`).toBe(true);
    expect(s).toEqual(JSON.parse(readFileSync(golden, 'utf8')));
    // The alerts share cmstp's tree: the page stores each process once.
    const packed = blobs(html, 'stories')[0] as PackedStories;
    const count = (list: readonly Story[]): number => list.reduce((n, x) => n + x.processes.length + count(x.contributors), 0);
    expect(packed.nodes.length).toBeLessThan(count(stories) / 3);
  });

  it('builds the same stories when nearly all context spilled to disk, or with worker threads (and the same bytes twice)', async () => {
    const memory = await report('memory.html');
    const spilled = await report('spilled.html', '--context-limit', '2', '--pending-limit', '1', '--threads', '0');
    expect(storyBlobs(spilled)).toEqual(storyBlobs(memory));
    // Worker threads gather the same story context as the main thread.
    const workers = await report('workers.html', '--threads', '2');
    expect(storyBlobs(workers)).toEqual(storyBlobs(memory));
    expect(await report('again.html')).toBe(memory);
  });

  it('refuses --format html without --output', () => {
    const r = sigmatch(['hunt', 'examples/', '--format', 'html']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--format html needs --output');
  });
});
