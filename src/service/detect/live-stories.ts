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
 * Journal rows read before an alert's position for its story: the starts of its process and of its ancestors,
 * their DNS answers and activity came earlier (at 1 kB a document, some 200 MB of text read in pages).
 */
export const STORY_ROWS_BACK = 200_000;
/** Journal rows read after it: children, connections, files and DNS answers that followed it (and late process starts). */
export const STORY_ROWS_FORWARD = 50_000;
/** Rows read per page; the event loop is given back between pages. */
export const STORY_PAGE_ROWS = 2_000;
/** Story requests waiting behind the one being built; past it a request is refused (StoriesBusy: 503, retry). */
export const STORY_QUEUE = 8;

export interface LiveStoryOptions {
  /** Context entries (process starts, DNS answers, activity) held for one story; past it the oldest are dropped. */
  readonly contextCapacity: number;
  readonly rowsBack?: number;
  readonly rowsForward?: number;
  readonly bounds?: StoryBounds;
}

/** Too many stories are being built already: nothing was read; the client may retry. */
export class StoriesBusy extends Error {
  constructor() {
    super(`${STORY_QUEUE + 1} alert stories are being built already; try again in a moment`);
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

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
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
 * Stories of stored alerts, built from the journal by the hunt's story code (subjectOfParts, buildStory): the rows
 * from STORY_ROWS_BACK before the alert's position to STORY_ROWS_FORWARD after it are read in pages, the events of
 * the alert's host are decoded and normalized as detection decodes them, and their context entries (with the
 * activity the report keeps) go into one ProcessIndex, the lookup the story's tree walk reads. One story is built
 * at a time (the others wait, at most STORY_QUEUE of them). Undefined when the alert's own row was pruned.
 */
export function liveStories(journal: Journal, options: LiveStoryOptions): StorySource {
  const bounds = options.bounds ?? DEFAULT_STORY_BOUNDS;
  const back = options.rowsBack ?? STORY_ROWS_BACK;
  const forward = options.rowsForward ?? STORY_ROWS_FORWARD;
  let chain: Promise<unknown> = Promise.resolve();
  let waiting = 0;

  async function build(alert: StoredAlert, around: readonly StoredAlert[]): Promise<Story | undefined> {
    const doc = obj(parseDoc(alert.doc));
    const correlation = obj(doc['sigmatch'])['correlation'] !== undefined;
    const hosts = hostsOf(alert, doc);
    // A document of another host is skipped unread: its text names none of the story's hosts.
    const names = hosts.size === 0 ? undefined : new RegExp([...hosts].map(escape).join('|'), 'i');
    const index = new ProcessIndex({ capacity: options.contextCapacity });
    let own: SubjectEventAlert['event'] | undefined;
    let ownRow = false;
    const last = alert.seq + forward;
    for (let from = Math.max(1, alert.seq - back); from <= last; ) {
      const rows = journal.readRange(from, last, STORY_PAGE_ROWS);
      for (const row of rows) {
        const mine = row.seq === alert.seq;
        ownRow ||= mine;
        if (!mine && names !== undefined && !names.test(row.doc)) continue;
        const d = parseDoc(row.doc);
        if (d === undefined) continue;
        const ev = normalizeWindowsEvent(documentEvent(d));
        if (mine) own = ev;
        if (!hosts.has(String(ev.fields['Computer'] ?? '').toLowerCase())) continue;
        const entry = contextEntryOf(ev, true);
        if (entry !== undefined) index.addEntry(packEntry(entry));
      }
      if (rows.length < STORY_PAGE_ROWS) break;
      from = (rows[rows.length - 1] as { seq: number }).seq + 1;
      await turn();
    }
    // The alert's own row (an event alert's event; a correlation's, the last of the batch that raised it) is gone:
    // so is every row before it (pruning takes the oldest first).
    if (!ownRow || (!correlation && own === undefined)) return undefined;
    const parts = !correlation && own !== undefined ? eventParts(ruleOf(doc), own, index.lookup) : correlationParts(doc, index.lookup);
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
