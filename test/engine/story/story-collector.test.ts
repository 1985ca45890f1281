import { afterEach, describe, expect, it } from 'vitest';
import { SpillDir } from '../../../src/engine/spill.js';
import { StoryCollector, type ContextSource } from '../../../src/engine/story/story-collector.js';
import { DEFAULT_STORY_BOUNDS } from '../../../src/engine/story/story.js';
import { CMSTP, lookupOf, subject, t, tree } from './fixtures.js';

const spill = new SpillDir();
afterEach(() => spill.dispose());

/** Every entry spilled: a lookup answers only the keys it was asked to fetch, as the hunt's spilled context does. */
function spilledSource(): ContextSource & { passes: number } {
  const all = lookupOf(tree);
  const src = { spilled: true, passes: 0, lookupFor: (wanted: ReadonlySet<string>) => (src.passes++, (k: string) => (wanted.has(k) ? all(k) : undefined)) };
  return src;
}

describe('StoryCollector', () => {
  it('over spilled context fetches generation by generation until the whole tree is in', () => {
    const c = new StoryCollector(spill, DEFAULT_STORY_BOUNDS);
    c.addLine(JSON.stringify(subject(CMSTP.guid, undefined, 5)));
    const src = spilledSource();
    const [chunk] = [...c.stories(src, 10)];
    expect(chunk?.stories[0]?.processes.map((p) => p.image?.split('\\').pop())).toEqual(['explorer.exe', 'cmd.exe', 'cmstp.exe', 'msupd.exe']);
    expect(chunk?.stories[0]?.processes[2]?.connections).toHaveLength(2);
    expect(src.passes).toBeGreaterThan(2);
  });

  it('gives each alert the host\'s other alerts inside the window, and chunks in order', () => {
    const c = new StoryCollector(spill, { ...DEFAULT_STORY_BOUNDS, timelineEach: 1, timelineWindowMs: 10_000 });
    const other = (s: number, host: string) => ({ ...subject(undefined, undefined, s), alert: { ...subject(undefined, undefined, s).alert, host, rule: `r${s}` } });
    for (const [s, h] of [[0, 'WS01'], [1, 'WS02'], [5, 'WS01'], [8, 'WS01'], [50, 'WS01']] as const) c.addLine(JSON.stringify(other(s, h)));
    const chunks = [...c.stories({ spilled: false, lookupFor: () => () => undefined }, 2)];
    expect(chunks.map((x) => [x.first, x.subjects.length])).toEqual([[0, 2], [2, 2], [4, 1]]);
    const third = chunks[1]?.stories[0];
    expect(third?.timeline).toEqual([
      { index: 0, at: t(0), rule: 'r0', level: 'high' },
      { index: 3, at: t(8), rule: 'r8', level: 'high' },
    ]);
    expect(chunks[2]?.stories[0]?.timeline).toEqual([]);
  });
});
