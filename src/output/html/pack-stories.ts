import type { ProcessNode, Story } from '../../engine/story/story.js';

/**
 * A chunk's stories as the page stores them: alerts of one process share its tree, so each process node is
 * stored once per chunk (without its depth, which is relative to each story's alert) and a story names its
 * nodes by index with their depth. Gzip alone cannot find repeats farther apart than 32 KiB; this finds them.
 * A timeline entry is its alert's index: the page has the alert's row. The page's renderer (report-script.ts,
 * unpackStory) rebuilds the same Story values.
 */
export interface PackedStories {
  readonly nodes: readonly Omit<ProcessNode, 'depth'>[];
  /** The chunk's stories, without their alert: the page has its row (contributors keep theirs). */
  readonly stories: ReadonlyArray<Omit<PackedStory, 'alert'>>;
}

export type PackedStory = Omit<Story, 'processes' | 'contributors' | 'timeline'> & {
  /** The timeline's alerts by index: the page holds every alert's row, with its time, rule and level. */
  readonly timeline: readonly number[];
  /** [node index, depth] per process, in the story's order. */
  readonly processes: ReadonlyArray<readonly [number, number]>;
  readonly contributors: readonly PackedStory[];
};

export function packStories(stories: readonly Story[]): PackedStories {
  const nodes: Omit<ProcessNode, 'depth'>[] = [];
  const index = new Map<string, number>();
  const pack = (s: Story): PackedStory => ({
    ...s,
    processes: s.processes.map((p): [number, number] => {
      const { depth, ...node } = p;
      const key = JSON.stringify(node);
      let i = index.get(key);
      if (i === undefined) {
        index.set(key, (i = nodes.length));
        nodes.push(node);
      }
      return [i, depth];
    }),
    timeline: s.timeline.map((t) => t.index),
    contributors: s.contributors.map(pack),
  });
  const packed = stories.map((s) => {
    const { alert: _row, ...rest } = pack(s);
    return rest;
  });
  return { nodes, stories: packed };
}
