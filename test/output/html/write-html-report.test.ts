import { describe, expect, it } from 'vitest';
import type { StoryChunk } from '../../../src/engine/story/story-collector.js';
import type { Story } from '../../../src/engine/story/story.js';
import { AttackMatrix } from '../../../src/output/html/attack-matrix.js';
import { embedJson } from '../../../src/output/html/embed-json.js';
import { renderHtmlReport, type ReportInfo } from '../../../src/output/html/write-html-report.js';
import { generatedAtOf } from '../../../src/output/html/write-hunt-report.js';
import { blobs, storyBlobs } from './report-blobs.js';

const HOSTILE = '</script><script>alert(1)</script><!-- \u2028\u2029 & > ${x} `';
const info: ReportInfo = { generatedAt: '2026-01-01T00:00:00.000Z', title: HOSTILE, events: 3, files: 1, rulesLoaded: 2 };

function chunk(rule: string, tags: readonly string[]): StoryChunk {
  const alert = { kind: 'event' as const, at: 1, host: HOSTILE, rule, ruleId: '', level: 'high', tags, commandLine: HOSTILE };
  const story: Story = { alert, processes: [], timeline: [], contributors: [], contributorCount: 0, limits: { truncated: false, cycles: [], missingParents: 0 } };
  return { first: 0, subjects: [{ alert, hostKey: 'h', contributors: [], contributorCount: 0 }], stories: [story] };
}


describe('embedJson', () => {
  it('leaves no <, >, &, U+2028 or U+2029 in its text, and parses back to the same value', () => {
    const value = { s: HOSTILE, nested: [HOSTILE, { k: '<!--<script>' }] };
    const text = embedJson(value);
    expect(text).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(text)).toEqual(value);
  });

  it('refuses a value without JSON form', () => {
    expect(() => embedJson(undefined)).toThrow(/no JSON form/);
  });
});

describe('renderHtmlReport', () => {
  const html = [...renderHtmlReport(info, [chunk(HOSTILE, ['attack.execution', 'attack.t1059.001'])])].join('');

  it('keeps hostile text out of the markup: the only script ends are its own elements\'', () => {
    const ends = html.match(/<\/script>/g) ?? [];
    const opens = html.match(/<script[ >]/g) ?? [];
    expect(ends.length).toBe(opens.length);
    expect(opens.length).toBe(4);
    expect(html).not.toContain('<script>alert(1)');
    expect(html).not.toMatch(/[\u2028\u2029]/);
  });

  it('embeds rows and stories that inflate back to the data, and the summary as JSON', () => {
    expect((blobs(html, 'rows')[0] as Array<{ rule: string }>)[0]?.rule).toBe(HOSTILE);
    expect((storyBlobs(html)[0] as Story[])[0]?.alert.commandLine).toBe(HOSTILE);
    const meta = JSON.parse((/<script type="application\/json" id="sm-meta">([^<]*)<\/script>/.exec(html) as RegExpExecArray)[1] as string) as { title: string; alerts: number; byRule: unknown; attack: unknown };
    expect(meta.title).toBe(HOSTILE);
    expect(meta.alerts).toBe(1);
    expect(meta.byRule).toEqual([[HOSTILE, 1]]);
    expect(meta.attack).toEqual([{ tactic: 'Execution', technique: 'T1059.001', alerts: 1 }]);
  });

  it('is the same bytes for the same input (generated-at is data), and forbids every connection', () => {
    expect([...renderHtmlReport(info, [chunk(HOSTILE, [])])].join('')).toBe([...renderHtmlReport(info, [chunk(HOSTILE, [])])].join(''));
    expect(html).toContain(`content="default-src 'none';`);
    expect(generatedAtOf('1767225600', new Date(0))).toBe('2026-01-01T00:00:00.000Z');
    expect(generatedAtOf(undefined, new Date(0))).toBe('1970-01-01T00:00:00.000Z');
  });
});

describe('AttackMatrix', () => {
  it('counts tactic × technique from tags (underscore or dash), techniques without a tactic apart', () => {
    const m = new AttackMatrix();
    m.add(['attack.defense_evasion', 'attack.execution', 'attack.t1218.003']);
    m.add(['attack.defense-evasion', 'attack.t1218.003', 'cve.2021-1']);
    m.add(['attack.t1105']);
    m.add(['attack.execution']);
    expect(m.result()).toEqual([
      { tactic: 'Execution', technique: 'T1218.003', alerts: 1 },
      { tactic: 'Defense Evasion', technique: 'T1218.003', alerts: 2 },
      { tactic: 'no tactic tag', technique: 'T1105', alerts: 1 },
    ]);
  });
});
