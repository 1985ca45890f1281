import type { FieldValue } from '../../event/event.js';
import { contextEntryOf, contextQueryOf, packEntry, ProcessIndex, resolveContext, type EntryLookup } from '../../engine/process-context.js';
import { buildStory, timelinePositions } from '../../engine/story/build-story.js';
import { subjectOfParts, type SubjectEventAlert, type SubjectParts, type SubjectRule } from '../../engine/story/story-subject.js';
import { DEFAULT_STORY_BOUNDS, type Story, type StoryBounds, type TimelineEntry } from '../../engine/story/story.js';
import { normalizeWindowsEvent } from '../../pipeline/normalize-event.js';
import type { StorySource } from '../api/api-route.js';
import { documentEvent, type Doc } from '../event/document-event.js';
import type { Journal } from '../journal/journal.js';
import type { StoredAlert } from '../store/alert-store.js';

/**
 * Journal rows looked at before an alert's position for its story: the starts of its process and of its ancestors,
 * their DNS answers and activity came earlier. Rows of other hosts are skipped on their text, in SQLite.
 */
export const STORY_ROWS_BACK = 200_000;
/** Journal rows looked at after it: children, connections, files and DNS answers that followed it (and late starts). */
export const STORY_ROWS_FORWARD = 50_000;
/**
 * The host's events decoded before and after the alert, at most: the nearest ones (decoding and normalizing an event
 * costs some 40 µs, so a story of a host that sends everything costs 2 to 3 s of one core, in slices).
 */
export const STORY_EVENTS_BACK = 40_000;
export const STORY_EVENTS_FORWARD = 10_000;
/** Rows read per page, and events decoded per slice: the event loop is given back between them (some 30 ms each). */
export const STORY_PAGE_ROWS = 2_000;
export const STORY_DECODE_SLICE = 500;
/** Story requests waiting behind the one being built; past it a request is refused (StoriesBusy: 503, retry). */
export const STORY_QUEUE = 8;

export interface LiveStoryOptions {
  /** Context entries (process starts, DNS answers, activity) held for one story; past it the oldest are dropped. */
  readonly contextCapacity: number;
  readonly rowsBack?: number;
  readonly rowsForward?: number;
  readonly eventsBack?: number;
  readonly eventsForward?: number;
  readonly bounds?: StoryBounds;
}

/** Too many stories are being built already: nothing was read; the client may retry. */
export class StoriesBusy extends Error {
  constructor() {
    super(`an alert story is being built and ${STORY_QUEUE} more are waiting; try again in a moment`);
  }
}

type Json = { readonly [k: string]: unknown };
const obj = (v: unknown): Json => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const parseDoc = (text: string): Doc | undefined => {
  try {
    const v = JSON.parse(text) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Doc) : undefined;
  } catch {
    return undefined;
  }
};

/** The rule of an ECS alert document (`rule.*`, as alertToEcs and correlationToEcs write it). */
function ruleOf(doc: Json): SubjectRule {
  const r = obj(doc['rule']);
  const tags = Array.isArray(r['tags']) ? r['tags'].map(String) : [];
  return { title: str(r['name']) ?? '', id: str(r['id']), level: str(r['level']), tags };
}

/** An event alert's parts: its rule, and its event with the context resolved as the hunt resolves it. */
function eventParts(rule: SubjectRule, event: SubjectEventAlert['event'], lookup: EntryLookup): SubjectEventAlert {
  const q = contextQueryOf(event);
  const { process, domain } = resolveContext(q, lookup);
  return { rule, event, ...(process !== undefined ? { process } : {}), ...(q.namesProcess && process === undefined ? { processMissing: true } : {}), ...(domain !== undefined ? { domain } : {}) };
}

/**
 * A stored correlation alert's parts from its document (`sigmatch.correlation`): each contributor is the alert
 * document of an event (its rule, time and event fields under `sigmatch.event`) or of an inner correlation.
 */
function correlationParts(doc: Json, lookup: EntryLookup): SubjectParts {
  const c = obj(obj(doc['sigmatch'])['correlation']);
  const contributors = (Array.isArray(c['contributors']) ? c['contributors'] : []).map((x): SubjectParts => {
    const d = obj(x);
    if (obj(d['sigmatch'])['correlation'] !== undefined) return correlationParts(d, lookup);
    const t = Date.parse(str(d['@timestamp']) ?? '');
    const fields = obj(obj(d['sigmatch'])['event']) as { readonly [k: string]: FieldValue };
    return eventParts(ruleOf(d), Number.isNaN(t) ? { fields } : { fields, timestamp: t }, lookup);
  });
  const group = Object.entries(obj(c['group'])).map(([k, v]) => [k, String(v)] as const);
  return {
    kind: 'correlation',
    correlation: { ...ruleOf(doc), type: str(c['type']) ?? '' },
    host: str(obj(doc['host'])['name']) ?? '',
    group,
    first: Date.parse(str(c['first']) ?? ''),
    last: Date.parse(str(c['last']) ?? ''),
    aggregate: Number(obj(c['aggregate'])['value']),
    contributors,
    contributorCount: Number(c['contributor_count']),
  };
}

/** The hosts whose events a story reads: the alert's, and (a correlation not grouped by host) its contributors'. */
function hostsOf(alert: StoredAlert, doc: Json): Set<string> {
  const hosts = new Set<string>([alert.host.toLowerCase()]);
  const walk = (d: Json) => {
    const sm = obj(d['sigmatch']);
    const computer = obj(sm['event'])['Computer'];
    if (typeof computer === 'string') hosts.add(computer.toLowerCase());
    const c = obj(sm['correlation']);
    if (Array.isArray(c['contributors'])) for (const x of c['contributors']) walk(obj(x));
  };
  walk(doc);
  hosts.delete('');
  return hosts;
}

const turn = () => new Promise<void>((r) => setImmediate(r));

/** The host's other alerts around the alert (`around`, read from the store), in time order, as the report lists them. */
function timelineOf(alert: StoredAlert, around: readonly StoredAlert[], bounds: StoryBounds): TimelineEntry[] {
  const host = alert.host.toLowerCase();
  // A correlation's document is the only one whose `sigmatch` starts with `correlation` (see correlationToEcs).
  const isCorrelation = (a: StoredAlert) => (a.doc.includes('"sigmatch":{"correlation":') ? 1 : 0);
  const time = (a: StoredAlert) => a.eventTime ?? a.created;
  // The report's order: event time, then the order found (events in journal order, correlations after them).
  const list = [alert, ...around.filter((a) => a.id !== alert.id && a.host.toLowerCase() === host)].sort((a, b) => time(a) - time(b) || isCorrelation(a) - isCorrelation(b) || a.seq - b.seq || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const pos = list.indexOf(alert);
  return timelinePositions(list.length, pos, (p) => time(list[p] as StoredAlert), bounds).map((p) => {
    const a = list[p] as StoredAlert;
    return { index: p - pos, id: a.id, at: time(a), rule: a.ruleTitle, level: a.level };
  });
}

/**
 * The text of the rows from `seq` outwards (step -1: back, 1: forward; `seq` itself not included) that may be
 * the hosts' (their text names one of `names`), nearest first: at most `rows` rows looked at, `events` kept.
 */
async function nearRows(journal: Journal, seq: number, step: -1 | 1, rows: number, events: number, names: readonly string[] | undefined): Promise<string[]> {
  const out: string[] = [];
  const end = step < 0 ? Math.max(1, seq - rows) : seq + rows;
  // Forward, nothing is past the newest row yet.
  for (let next = seq + step; step < 0 ? next >= end : next <= Math.min(end, journal.lastPosition); next += step * STORY_PAGE_ROWS) {
    // A page is a span of positions: read oldest first, walked from the alert outwards.
    const lo = step < 0 ? Math.max(end, next - STORY_PAGE_ROWS + 1) : next;
    const page = journal.readRange(lo, step < 0 ? next : Math.min(end, next + STORY_PAGE_ROWS - 1), STORY_PAGE_ROWS, names);
    if (step < 0) page.reverse();
    for (const row of page) {
      out.push(row.doc);
      if (out.length >= events) return out;
    }
    await turn();
  }
  return out;
}

/**
 * Stories of stored alerts, built from the journal by the hunt's story code (subjectOfParts, buildStory): from the
 * alert's position outwards, up to STORY_ROWS_BACK rows before it and STORY_ROWS_FORWARD after it are read in pages,
 * and the nearest STORY_EVENTS_BACK and STORY_EVENTS_FORWARD events of its host (or hosts, for a correlation across
 * hosts) are decoded and normalized as detection decodes them, in journal order; their context entries (with the
 * activity the report keeps) go into one ProcessIndex, the lookup the story's tree walk reads. One story is built
 * at a time (the others wait, at most STORY_QUEUE of them). Undefined when the alert's own row is not in this
 * journal: pruned, or (with --bus) the alert was detected by another instance from its own journal.
 */
export function liveStories(journal: Journal, options: LiveStoryOptions): StorySource {
  const bounds = options.bounds ?? DEFAULT_STORY_BOUNDS;
  const back = options.rowsBack ?? STORY_ROWS_BACK;
  const forward = options.rowsForward ?? STORY_ROWS_FORWARD;
  const eventsBack = options.eventsBack ?? STORY_EVENTS_BACK;
  const eventsForward = options.eventsForward ?? STORY_EVENTS_FORWARD;
  let chain: Promise<unknown> = Promise.resolve();
  let waiting = 0;

  async function build(alert: StoredAlert, around: readonly StoredAlert[]): Promise<Story | undefined> {
    // The alert's own row (an event alert's event; a correlation's, the last of the batch that raised it) is gone:
    // so is every row before it (pruning takes the oldest first). Or the alert was detected by another instance.
    const own = journal.readRange(alert.seq, alert.seq, 1)[0];
    if (own === undefined) return undefined;
    const doc = obj(parseDoc(alert.doc));
    const correlation = obj(doc['sigmatch'])['correlation'] !== undefined;
    // An event alert names its event's dedup key: a row of another event at its position (another instance's
    // journal, with --bus) is not its event.
    const key = obj(obj(doc['sigmatch'])['alert'])['event_key'];
    if (typeof key === 'string' && own.key.toString('hex') !== key) return undefined;
    const hosts = hostsOf(alert, doc);
    // A document of another host is skipped unread (in SQLite): its text names none of the story's hosts. A name
    // JSON may spell otherwise (escaped, or non-ASCII that LIKE compares by case) is not looked for: every row is read.
    const names = hosts.size > 0 && [...hosts].every((h) => /^[\x20-\x7e]+$/.test(h) && !/["\\]/.test(h)) ? [...hosts] : undefined;
    const before = await nearRows(journal, alert.seq, -1, back, eventsBack, names);
    const after = await nearRows(journal, alert.seq, 1, forward, eventsForward, names);
    // In journal order, as the hunt reads its inputs: the index answers the first start of a GUID, the latest of a PID.
    const texts = [...before.reverse(), own.doc, ...after];
    const index = new ProcessIndex({ capacity: options.contextCapacity });
    let event: SubjectEventAlert['event'] | undefined;
    for (let i = 0; i < texts.length; i++) {
      if (i > 0 && i % STORY_DECODE_SLICE === 0) await turn();
      const d = parseDoc(texts[i] as string);
      if (d === undefined) continue;
      const ev = normalizeWindowsEvent(documentEvent(d));
      if (i === before.length) event = ev;
      if (!hosts.has(String(ev.fields['Computer'] ?? '').toLowerCase())) continue;
      const entry = contextEntryOf(ev, true);
      if (entry !== undefined) index.addEntry(packEntry(entry));
    }
    if (!correlation && event === undefined) return undefined;
    const parts = !correlation && event !== undefined ? eventParts(ruleOf(doc), event, index.lookup) : correlationParts(doc, index.lookup);
    const timeline = timelineOf(alert, around, bounds);
    return buildStory(subjectOfParts(parts), { entries: index.lookup, timeline: () => timeline, activities: new Map() }, bounds);
  }

  return {
    story(alert, around) {
      if (waiting > STORY_QUEUE) return Promise.reject(new StoriesBusy());
      waiting++;
      const run = chain.then(() => build(alert, around));
      chain = run.then(
        () => waiting--,
        () => waiting--,
      );
      return run;
    },
  };
}
