import { gunzipSync } from 'node:zlib';
import type { Story, StoryAlert } from '../../../src/engine/story/story.js';
import type { PackedStories, PackedStory } from '../../../src/output/html/pack-stories.js';

/** The page's embedded rows or stories, inflated, chunk by chunk. */
export const blobs = (html: string, kind: 'rows' | 'stories') =>
  [...html.matchAll(new RegExp(`<script type="text/plain" data-sm="${kind}" data-first="\\d+">([^<]*)</script>`, 'g'))].map((m) => JSON.parse(gunzipSync(Buffer.from(m[1] as string, 'base64')).toString('utf8')) as unknown);

/** The page's stories, chunk by chunk, rebuilt from their packed form as the page's renderer rebuilds them. */
export const storyBlobs = (html: string): Story[][] => {
  const rows = blobs(html, 'rows').flat() as StoryAlert[];
  const starts = [...html.matchAll(/data-sm="stories" data-first="(\d+)"/g)].map((m) => Number(m[1]));
  return blobs(html, 'stories').map((chunk, c) => {
    const { nodes, stories } = chunk as PackedStories;
    const unpack = (s: PackedStory): Story => ({
      ...s,
      processes: s.processes.map(([i, depth]) => ({ depth, ...(nodes[i] as (typeof nodes)[number]) })),
      timeline: s.timeline.map((index) => {
        const r = rows[index] as StoryAlert;
        return { index, at: r.at, rule: r.rule, level: r.level };
      }),
      contributors: s.contributors.map(unpack),
    });
    return stories.map((s, k) => unpack({ ...s, alert: rows[(starts[c] as number) + k] as StoryAlert }));
  });
};
