import { activityKey, type ContextEntry, type EntryLookup } from '../process-context.js';
import { findStart, walkTree, type FoundProcess } from './process-tree.js';
import type { StorySubject } from './story-subject.js';
import type { ActivityCuts, Connection, DnsAnswer, FileEvent, ImageLoad, ProcessNode, RegistryEvent, Story, StoryAlert, StoryBounds, TimelineEntry } from './story.js';

/** Where a story's data comes from: context entries by key (the hunt's index and spill), and the host's alerts. */
export interface StoryLookup {
  readonly entries: EntryLookup;
  /** Other alerts on the alert's host around it (none when not given). */
  readonly timeline?: (alert: StoryAlert) => readonly TimelineEntry[];
  /**
   * What each process did, by node id, shared by the stories built over one `entries` (alerts of one process
   * share their tree): a cache the caller owns and drops with the lookup.
   */
  readonly activities?: Map<string, NodeActivity>;
}

export type NodeActivity = Pick<ProcessNode, 'connections' | 'dns' | 'files' | 'registry' | 'images' | 'cut'>;

type ProcessEntry = Extract<ContextEntry, { kind: 'process' }>;

/** The story of an alert: pure, from what `lookup` returns. */
export function buildStory(subject: StorySubject, lookup: StoryLookup, bounds: StoryBounds): Story {
  const contributors = subject.contributors.map((c) => buildStory(c, { entries: lookup.entries, ...(lookup.activities !== undefined ? { activities: lookup.activities } : {}) }, bounds));
  const timeline = lookup.timeline?.(subject.alert) ?? [];
  const start = focusOf(subject, lookup.entries);
  if (start === undefined) {
    return { alert: subject.alert, processes: [], timeline, contributors, contributorCount: subject.contributorCount, limits: { truncated: false, cycles: [], missingParents: 0 } };
  }
  const walk = walkTree(lookup.entries, subject.hostKey, start.entry, start.kind, bounds.maxDepth, bounds.maxChildren);
  return {
    alert: subject.alert,
    processes: walk.nodes.map((n) => withActivity(n, subject.hostKey, lookup, bounds.perProcess)),
    focus: (walk.nodes.find((n) => n.depth === 0) as FoundProcess).id,
    timeline,
    contributors,
    contributorCount: subject.contributorCount,
    limits: { truncated: walk.truncated, cycles: walk.cycles, missingParents: walk.missingParents },
  };
}

/**
 * The timeline of the alert at position `pos` of its host's alerts in time order (`count` of them, `timeAt` their
 * times): the positions of up to timelineEach alerts before and after it, inside timelineWindowMs of it, in order.
 */
export function timelinePositions(count: number, pos: number, timeAt: (p: number) => number, bounds: StoryBounds): number[] {
  const out: number[] = [];
  const at = timeAt(pos);
  const { timelineEach: each, timelineWindowMs: w } = bounds;
  for (let p = Math.max(0, pos - each); p <= Math.min(count - 1, pos + each); p++) if (p !== pos && Math.abs(timeAt(p) - at) <= w) out.push(p);
  return out;
}

/** The alert's process start, found as the hunt found it (by GUID, else by host + PID before the event). */
function focusOf(subject: StorySubject, lookup: EntryLookup): { entry: ProcessEntry; kind: 'guid' | 'pid' } | undefined {
  const q = subject.query;
  return q === undefined ? undefined : findStart(lookup, q.guidKey, q.pidKey, q.at);
}

/** A found process with what it did. */
function withActivity(n: FoundProcess, host: string, lookup: StoryLookup, cap: number): ProcessNode {
  let act = lookup.activities?.get(n.id);
  if (act === undefined) {
    act = activityOf(n, host, lookup.entries, cap);
    lookup.activities?.set(n.id, act);
  }
  const c = n.ctx;
  const opt = <K extends string, V>(k: K, v: V | undefined) => (v === undefined ? {} : ({ [k]: v } as { [P in K]: V }));
  return {
    id: n.id,
    kind: n.kind,
    ...opt('parentId', n.parentId),
    depth: n.depth,
    ...opt('image', c.image),
    ...opt('commandLine', c.commandLine),
    ...opt('user', c.user),
    ...opt('integrityLevel', c.integrityLevel),
    ...opt('hashes', c.hashes),
    ...opt('processGuid', c.processGuid),
    ...opt('processId', c.processId),
    ...opt('started', c.started),
    ...act,
  };
}

/** What a process did, bounded per kind: only GUID-linked processes have activity (Sysmon logs it by ProcessGuid). */
function activityOf(n: FoundProcess, host: string, lookup: EntryLookup, cap: number): NodeActivity {
  const guid = n.kind === 'inferred' ? undefined : n.ctx.processGuid?.replace(/[{}]/g, '').toLowerCase();
  const connections: Connection[] = [];
  const files: FileEvent[] = [];
  const registry: RegistryEvent[] = [];
  const images: ImageLoad[] = [];
  const dns: DnsAnswer[] = [];
  const cut = { connections: 0, dns: 0, files: 0, registry: 0, images: 0 };
  const keep = <T>(list: T[], item: T, kind: keyof ActivityCuts) => (list.length < cap ? list.push(item) : cut[kind]++);
  if (guid !== undefined && guid !== '') {
    const answers = lookup(`d|${host}|${guid}`) ?? [];
    for (const e of answers) if (e.kind === 'dns') keep(dns, { ...(e.at !== undefined ? { at: e.at } : {}), query: e.query, answers: e.answers }, 'dns');
    for (const e of lookup(activityKey(host, guid)) ?? []) {
      if (e.kind !== 'activity') continue;
      const a = e.act;
      switch (a.kind) {
        case 'network': {
          // The domain this process resolved to the IP, as the alert's own domain is found.
          const domain = answers.find((d) => d.kind === 'dns' && d.answers.includes(a.ip));
          const name = domain?.kind === 'dns' ? domain.query : a.hostname;
          keep(connections, { at: e.at, ip: a.ip, ...(a.port !== undefined ? { port: a.port } : {}), ...(a.protocol !== undefined ? { protocol: a.protocol } : {}), ...(name !== undefined ? { domain: name } : {}) }, 'connections');
          break;
        }
        case 'file':
          keep(files, { at: e.at, path: a.path }, 'files');
          break;
        case 'registry':
          keep(registry, { at: e.at, change: a.change, target: a.target, ...(a.details !== undefined ? { details: a.details } : {}) }, 'registry');
          break;
        case 'image':
          keep(images, { at: e.at, path: a.path, ...(a.hashes !== undefined ? { hashes: a.hashes } : {}), ...(a.signed !== undefined ? { signed: a.signed } : {}) }, 'images');
          break;
        default: {
          const never: never = a;
          throw new Error(`unknown activity ${String(never)}`);
        }
      }
    }
  }
  return { connections, dns, files, registry, images, cut };
}

/**
 * The context keys a story reads, as far as `lookup` already answers: the keys its tree walk asked for (a parent's
 * key shows only once its child's entry is in), plus each process's DNS and activity keys (leaves: they lead to
 * no further key). Cheap: no activity is read. Over spilled context a caller fetches these keys and asks again
 * until no new key appears.
 */
export function storyKeys(subject: StorySubject, lookup: EntryLookup, bounds: StoryBounds, into: Set<string>): void {
  const recording: EntryLookup = (k) => {
    into.add(k);
    return lookup(k);
  };
  for (const c of subject.contributors) storyKeys(c, lookup, bounds, into);
  const start = focusOf(subject, recording);
  if (start === undefined) return;
  const walk = walkTree(recording, subject.hostKey, start.entry, start.kind, bounds.maxDepth, bounds.maxChildren);
  for (const n of walk.nodes) {
    const guid = n.kind === 'inferred' ? undefined : n.ctx.processGuid?.replace(/[{}]/g, '').toLowerCase();
    if (guid === undefined || guid === '') continue;
    into.add(`d|${subject.hostKey}|${guid}`);
    into.add(activityKey(subject.hostKey, guid));
  }
}
