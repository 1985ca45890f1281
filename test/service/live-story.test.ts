import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Correlator } from '../../src/engine/correlate/correlator.js';
import { planCorrelations } from '../../src/engine/correlate/plan-correlations.js';
import { HuntSession } from '../../src/engine/hunt-session.js';
import { BatchBuilder } from '../../src/engine/match-task.js';
import { RuleSet } from '../../src/engine/rule-set.js';
import { SpillDir } from '../../src/engine/spill.js';
import { StoryCollector } from '../../src/engine/story/story-collector.js';
import { DEFAULT_STORY_BOUNDS, type Story } from '../../src/engine/story/story.js';
import type { Event } from '../../src/event/event.js';
import { readEvtxBuffer } from '../../src/formats/evtx/read-evtx.js';
import { storySubjectLine } from '../../src/output/html/write-hunt-report.js';
import { resolveWindowsLogsource } from '../../src/pipeline/windows-logsources.js';
import { loadRules } from '../../src/rule/load-rules.js';
import { liveStories } from '../../src/service/detect/live-stories.js';
import { documentKey, type Doc } from '../../src/service/event/document-event.js';
import { Journal } from '../../src/service/journal/journal.js';
import { DEFAULT_CONFIG } from '../../src/service/service-config.js';
import { startService, type RunningService } from '../../src/service/start-service.js';
import type { StoredAlert } from '../../src/service/store/alert-store.js';
import { openDatabase } from '../../src/service/store/open-database.js';
import { networkConnect, noise, processCreate } from './winlogbeat-docs.js';

/**
 * The story of a live alert (`GET /api/alerts/{id}/story`) is the story the HTML report draws for the same alert:
 * the README's quick-start log, shipped through `_bulk`, and hunted through the report's own code path.
 */
const EXAMPLE = 'examples/ws01-sysmon.evtx';
const events: Event[] = [];
for (const it of readEvtxBuffer(readFileSync(EXAMPLE), EXAMPLE)) if (it.kind === 'record') events.push(it.event);
const collection = loadRules(['rules/'], { placeholders: new Map(), cache: false });
const compile = () => RuleSet.compile(collection.rules, { filters: collection.filters, logsource: resolveWindowsLogsource });

interface StoryReply {
  readonly id: string;
  readonly story: Story;
}
interface AlertDoc {
  readonly kibana: { readonly alert: { readonly uuid: string } };
  readonly rule: { readonly name: string };
}

let service: RunningService;
let url: string;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sigmatch-story-'));
  const ruleSet = compile();
  // With the rule documents (correlations included), detection on this thread (not a worker): as `serve` runs them.
  service = await startService({ ...DEFAULT_CONFIG, listen: { host: '127.0.0.1', port: 0 }, dataDir: dir, detectThread: false, correlationLatenessMs: 60_000 }, ruleSet, { documents: { rules: collection.rules, filters: collection.filters, correlations: collection.correlations }, loaded: ruleSet.rules.length, errors: [] }, { error: () => {} });
  url = `http://127.0.0.1:${service.address.port}`;
  // The EVTX records as flat JSON documents (the event's fields), then one unrelated event of another host an hour
  // later: the correlations' watermark passes every window of the log.
  const last = events[events.length - 1] as Event;
  const later = { ...last.fields, Computer: 'OTHER-HOST', EventID: 4624, Channel: 'Security', EventRecordID: 999_999, TimeCreated: new Date((last.timestamp as number) + 3_600_000).toISOString() };
  const docs = [...events.map((e) => e.fields), later];
  const body = docs.map((d) => `{"create":{"_index":"winlogbeat-9"}}\n${JSON.stringify(d)}\n`).join('');
  const res = await fetch(`${url}/_bulk`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
  expect(res.status).toBe(200);
  expect(((await res.json()) as { errors: boolean }).errors).toBe(false);
  for (let i = 0; i < 1000 && service.journal.backlog > 0; i++) await new Promise((r) => setTimeout(r, 10));
  expect(service.journal.backlog).toBe(0);
});
afterAll(async () => {
  await service.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function storedAlerts(): Promise<AlertDoc[]> {
  const res = await fetch(`${url}/api/alerts?limit=1000`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { alerts: AlertDoc[] }).alerts;
}

async function storyOf(id: string): Promise<StoryReply> {
  const res = await fetch(`${url}/api/alerts/${id}/story`);
  expect(res.status).toBe(200);
  return (await res.json()) as StoryReply;
}

/** The report's stories of the same log: the hunt session and story collector `hunt --format html` runs. */
function reportStories(): Story[] {
  const ruleSet = compile();
  const rules = ruleSet.rules.map((r) => r.rule);
  const plan = planCorrelations(rules, collection.correlations, { selected: new Set(collection.correlations), selectedRules: new Set(rules) });
  const spill = new SpillDir();
  try {
    const session = new HuntSession(rules, storySubjectLine, spill, {}, { correlator: new Correlator(plan, spill), silentRules: plan.silentRules }, { filters: collection.filters, show: false });
    const builder = new BatchBuilder(ruleSet, { fields: plan.fields, stories: true });
    for (const e of events) builder.add(e);
    session.add(builder.take());
    const collector = new StoryCollector(spill, DEFAULT_STORY_BOUNDS);
    const decoder = new TextDecoder();
    for (const bytes of session.finish()) collector.addLine(decoder.decode(bytes));
    return [...collector.stories(session.contextSource(), 200)].flatMap((c) => c.stories);
  } finally {
    spill.dispose();
  }
}

const keyOf = (s: Story) => `${s.alert.ruleId}|${s.alert.at}|${s.alert.host}`;
const name = (p: { image?: string }) => p.image?.split('\\').pop();

describe('the live alert story', () => {
  it('shows the cmstp alert’s tree (cmd.exe → cmstp.exe), its connection and the domain it resolved', async () => {
    const alerts = await storedAlerts();
    const cmstp = alerts.filter((a) => a.rule.name === 'Outbound Network Connection Initiated By Cmstp.EXE');
    expect(cmstp).toHaveLength(2);
    const replies = await Promise.all(cmstp.map((a) => storyOf(a.kibana.alert.uuid)));
    const reply = replies.find((r) => r.story.alert.destinationIp === '203.0.113.50') as StoryReply;
    expect(reply.id).toBe(cmstp.find((a) => a.kibana.alert.uuid === reply.id)?.kibana.alert.uuid);
    const s = reply.story;
    expect(s.alert).toMatchObject({ kind: 'event', host: 'WS01.corp.example', domain: 'cdn-update.example.net' });
    const focus = s.processes.find((p) => p.id === s.focus);
    expect(name(focus ?? {})).toBe('cmstp.exe');
    const parent = s.processes.find((p) => p.id === focus?.parentId);
    expect(name(parent ?? {})).toBe('cmd.exe');
    expect(parent?.depth).toBe(-1);
    expect(focus?.connections.some((c) => c.ip === '203.0.113.50' && c.port === 443 && c.domain === 'cdn-update.example.net')).toBe(true);
    // The host's other alerts, from the store, each with its id.
    expect(s.timeline.length).toBeGreaterThan(0);
    const ids = new Set(alerts.map((a) => a.kibana.alert.uuid));
    for (const t of s.timeline) expect(ids.has(t.id as string)).toBe(true);
  });

  it('is the story the HTML report builds for the same alert, correlations and their contributors included', async () => {
    const report = new Map(reportStories().map((s, i) => [keyOf(s), { s, i }]));
    const alerts = await storedAlerts();
    expect(alerts.length).toBe(report.size);
    for (const a of alerts) {
      const live = (await storyOf(a.kibana.alert.uuid)).story;
      const hunted = report.get(keyOf(live));
      expect(hunted, `no report story for ${keyOf(live)}`).toBeDefined();
      const { s, i } = hunted as { s: Story; i: number };
      // What honestly differs: a timeline entry names its alert by the report's row index there, and here by its
      // place relative to this alert (every alert of the log is on one host: the two differ by this alert's row)
      // and its stored id.
      const want = { ...s, timeline: s.timeline.map((t) => ({ ...t, index: t.index - i })) };
      const got = { ...live, timeline: live.timeline.map(({ id: _id, ...t }) => t) };
      expect(got).toEqual(want);
    }
    // A correlation's story carries its contributors' trees: the process start, and the inner correlation's event.
    const chain = [...report.values()].map((x) => x.s).find((s) => s.alert.rule === 'Proxy-Execution Utility Started and Connected Out') as Story;
    expect(chain.contributors.map((c) => c.alert.kind)).toEqual(['event', 'correlation']);
    expect(name(chain.contributors[0]?.processes.find((p) => p.depth === 0) ?? {})).toBe('cmstp.exe');
    expect(chain.contributors[1]?.contributors[0]?.processes.find((p) => p.depth === 0)?.connections.length).toBeGreaterThan(0);
  });

  it('answers 404 for an unknown or malformed id and 410 once the alert’s journal rows were pruned', async () => {
    const unknown = await fetch(`${url}/api/alerts/${'0'.repeat(32)}/story`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: string }).error).toContain(`no alert with id ${'0'.repeat(32)}`);
    const malformed = await fetch(`${url}/api/alerts/not-an-id/story`);
    expect(malformed.status).toBe(404);
    // Retention takes every processed row (a byte bound of 0): the alerts stay, their events are gone.
    expect(service.journal.prune(DEFAULT_CONFIG.retentionMs, 0)).toBeGreaterThan(0);
    const [first] = await storedAlerts();
    const pruned = await fetch(`${url}/api/alerts/${first?.kibana.alert.uuid}/story`);
    expect(pruned.status).toBe(410);
    expect(await pruned.text()).toMatch(/not in this instance's journal \(pruned by retention/);
    expect((await fetch(`${url}/api/alerts/${first?.kibana.alert.uuid}`)).status).toBe(200);
  });
});

describe('the journal window a story reads', () => {
  const T0 = Date.parse('2026-11-20T09:14:03.512Z');
  const cmstp = (record: number) => ({ host: 'WS-W', record, guid: '{8c1a7f52-a93b-6739-2a04-000000000001}', pid: 6644, image: 'C:\\Windows\\System32\\cmstp.exe', time: T0 + record });

  it('finds the process start inside the rows and events it may read, and not beyond; never another event at the position', async () => {
    const wdir = mkdtempSync(join(tmpdir(), 'sigmatch-story-window-'));
    const db = openDatabase(wdir);
    try {
      const journal = new Journal(db);
      // The start, 40 rows of another host, 10 of this one, then the connection the alert is about.
      const docs: object[] = [processCreate(cmstp(1), 'cmstp.exe /ni /s x.inf')];
      for (let r = 2; r <= 41; r++) docs.push(noise('WS-OTHER', r, T0 + r));
      for (let r = 42; r <= 51; r++) docs.push(noise('WS-W', r, T0 + r));
      docs.push(networkConnect(cmstp(52), '203.0.113.50'));
      const entries = docs.map((d) => ({ key: documentKey(d as Doc, JSON.stringify(d)), doc: JSON.stringify(d) }));
      const seqs = (await journal.append({ entries })) as number[];
      const seq = seqs[seqs.length - 1] as number;
      const key = entries[entries.length - 1]?.key.toString('hex');
      const alert = (eventKey = key): StoredAlert => ({ id: 'a'.repeat(32), seq, ruleId: 'r', ruleTitle: 'cmstp out', level: 'high', host: 'WS-W', eventTime: T0 + 52, created: 0, doc: JSON.stringify({ rule: { name: 'cmstp out', id: 'r', level: 'high', tags: [] }, host: { name: 'WS-W' }, sigmatch: { alert: { event_key: eventKey } } }) });
      // The journal's text filter: ASCII case ignored, LIKE's wildcards taken literally.
      expect(journal.readRange(1, seq, 100, ['ws-w'])).toHaveLength(12);
      expect(journal.readRange(1, seq, 100, ['WS_W', 'WS%W'])).toHaveLength(0);
      expect(journal.readRange(1, seq, 100)).toHaveLength(52);
      const images = (st: Story | undefined) => st?.processes.map((p) => name(p));
      const story = (o: { rowsBack?: number; eventsBack?: number }, a = alert()) => liveStories(journal, { contextCapacity: 1000, ...o }).story(a, []);
      expect(images(await story({}))).toEqual(['cmd.exe', 'cmstp.exe']); // the parent only named by the start
      // Rows of the other host are looked at but not decoded: 11 events of the host reach back to the start.
      expect(images(await story({ eventsBack: 11 }))).toEqual(['cmd.exe', 'cmstp.exe']);
      const cut = await story({ eventsBack: 10 });
      expect(cut?.processes).toEqual([]);
      expect(cut?.alert.processMissing).toBe(true);
      expect((await story({ rowsBack: 50 }))?.processes).toEqual([]);
      expect(images(await story({ rowsBack: 51 }))).toEqual(['cmd.exe', 'cmstp.exe']);
      // Another event's key at the alert's position (another instance's journal): no story.
      expect(await story({}, alert('0'.repeat(32)))).toBeUndefined();
    } finally {
      db.close();
      rmSync(wdir, { recursive: true, force: true });
    }
  });
});
