import type { EntryLookup } from '../process-context.js';
import type { SpillDir, SpillFile } from '../spill.js';
import { buildStory, storyKeys, timelinePositions, type NodeActivity } from './build-story.js';
import type { StorySubject } from './story-subject.js';
import type { Story, StoryAlert, StoryBounds, TimelineEntry } from './story.js';

/** Where stories read context from: the hunt's in-memory index, plus its spill file for the wanted keys. */
export interface ContextSource {
  /** False when every entry is still in memory: one lookup answers every key. */
  readonly spilled: boolean;
  lookupFor(wanted: ReadonlySet<string>): EntryLookup;
}

/** A run of consecutive alerts (from index `first`) with their stories. */
export interface StoryChunk {
  readonly first: number;
  readonly subjects: readonly StorySubject[];
  readonly stories: readonly Story[];
}

/**
 * Alerts whose stories are built together: one pass over the spilled context per generation of their trees, so
 * rounds are large (the passes cost the spill file's size each); a round holds its subjects and the entries of
 * the keys they read, and its stories only a chunk at a time.
 */
const ROUND = 50_000;

/**
 * Takes the hunt's alerts as story subjects in time order, holds them in a spill file and, per host, only their
 * times and rules (for the timeline); then builds their stories in rounds. Memory holds a round, not the hunt.
 */
export class StoryCollector {
  private readonly file: SpillFile;
  private count = 0;
  private readonly byHost = new Map<string, number[]>();
  private readonly times: number[] = [];
  private readonly rules: number[] = [];
  private readonly levels: number[] = [];
  private readonly positions: number[] = [];
  private readonly names: string[] = [];
  private readonly nameIds = new Map<string, number>();

  constructor(
    spill: SpillDir,
    private readonly bounds: StoryBounds,
  ) {
    this.file = spill.file('story-subjects');
  }

  get alerts(): number {
    return this.count;
  }

  /** One alert's subject as the hunt rendered it (one JSON line), in time order. */
  addLine(line: string): void {
    const s = JSON.parse(line) as StorySubject;
    this.file.appendLine(line.endsWith('\n') ? line.slice(0, -1) : line);
    const i = this.count++;
    let list = this.byHost.get(s.alert.host);
    if (list === undefined) this.byHost.set(s.alert.host, (list = []));
    this.positions.push(list.length);
    list.push(i);
    this.times.push(s.alert.at);
    this.rules.push(this.nameId(s.alert.rule));
    this.levels.push(this.nameId(s.alert.level));
  }

  private nameId(name: string): number {
    let id = this.nameIds.get(name);
    if (id === undefined) {
      this.nameIds.set(name, (id = this.names.length));
      this.names.push(name);
    }
    return id;
  }

  /** The host's alerts within the window around alert i: up to timelineEach before and after it. */
  private timelineOf(i: number, alert: StoryAlert): TimelineEntry[] {
    const list = this.byHost.get(alert.host) ?? [];
    const at = (p: number) => this.times[list[p] as number] as number;
    return timelinePositions(list.length, this.positions[i] as number, at, this.bounds).map((p) => {
      const j = list[p] as number;
      return { index: j, at: at(p), rule: this.names[this.rules[j] as number] as string, level: this.names[this.levels[j] as number] as string };
    });
  }

  /** Every alert's story, in chunks of `chunkSize` consecutive alerts. */
  *stories(context: ContextSource, chunkSize: number): Generator<StoryChunk> {
    this.file.flush();
    let round: StorySubject[] = [];
    let first = 0;
    const flush = function* (this: StoryCollector): Generator<StoryChunk> {
      const lookup = this.roundLookup(round, context);
      for (let k = 0; k < round.length; k += chunkSize) {
        const subjects = round.slice(k, k + chunkSize);
        const activities = new Map<string, NodeActivity>();
        const stories = subjects.map((s, j) => buildStory(s, { entries: lookup, timeline: (a) => this.timelineOf(first + k + j, a), activities }, this.bounds));
        yield { first: first + k, subjects, stories };
      }
      first += round.length;
      round = [];
    };
    for (const line of this.file.lines()) {
      round.push(JSON.parse(line) as StorySubject);
      if (round.length >= Math.max(ROUND, chunkSize)) yield* flush.call(this);
    }
    if (round.length > 0) yield* flush.call(this);
  }

  /**
   * A lookup that answers every key a round's stories read. Over spilled context the keys show only as the
   * trees are walked (a parent's key comes from its child), so the walk is repeated over the keys fetched so far
   * until it asks for no new one: one pass over the spill file per generation.
   */
  private roundLookup(subjects: readonly StorySubject[], context: ContextSource): EntryLookup {
    if (!context.spilled) return context.lookupFor(new Set());
    let wanted = new Set<string>();
    let lookup = context.lookupFor(wanted);
    // The bound stops a pathological input; a tree needs one pass per generation up and down.
    for (let pass = 0; pass < this.bounds.maxDepth + this.bounds.maxChildren + 2; pass++) {
      const keys = new Set<string>();
      for (const s of subjects) storyKeys(s, lookup, this.bounds, keys);
      let grew = false;
      for (const k of keys) if (!wanted.has(k)) grew = true;
      if (!grew) return lookup;
      wanted = new Set([...wanted, ...keys]);
      lookup = context.lookupFor(wanted);
    }
    return lookup;
  }
}
