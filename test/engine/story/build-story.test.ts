import { describe, expect, it } from 'vitest';
import { buildStory } from '../../../src/engine/story/build-story.js';
import type { StorySubject } from '../../../src/engine/story/story-subject.js';
import { DEFAULT_STORY_BOUNDS, type StoryBounds } from '../../../src/engine/story/story.js';
import { CMD, CMSTP, HOST, lookupOf, sec4688, subject, t, tree } from './fixtures.js';

describe('buildStory', () => {
  it('draws explorer → cmd → cmstp → msupd by GUID, with cmstp\'s connections, DNS, file, registry and image load', () => {
    const story = buildStory(subject(CMSTP.guid, CMSTP.pid, 5), { entries: lookupOf(tree) }, DEFAULT_STORY_BOUNDS);
    expect(story.processes.map((p) => [p.image?.split('\\').pop(), p.depth, p.kind])).toEqual([
      ['explorer.exe', -2, 'guid'],
      ['cmd.exe', -1, 'guid'],
      ['cmstp.exe', 0, 'guid'],
      ['msupd.exe', 1, 'guid'],
    ]);
    const [explorer, cmd, cmstp, msupd] = story.processes;
    expect(cmd?.parentId).toBe(explorer?.id);
    expect(cmstp?.parentId).toBe(cmd?.id);
    expect(msupd?.parentId).toBe(cmstp?.id);
    expect(story.focus).toBe(cmstp?.id);
    expect(cmstp?.connections).toEqual([
      { at: t(5), ip: '203.0.113.50', port: 443, protocol: 'tcp', domain: 'cdn-update.example.net' },
      { at: t(6), ip: '198.51.100.9', port: 80, domain: 'other.example' },
    ]);
    expect(cmstp?.dns.map((d) => d.query)).toEqual(['cdn-update.example.net']);
    expect(cmstp?.files.map((f) => f.path)).toEqual(['C:\\Users\\alice\\msupd.exe']);
    expect(cmstp?.registry).toEqual([{ at: t(8), change: 'SetValue', target: 'HKU\\x\\Run\\upd', details: 'msupd.exe' }]);
    expect(cmstp?.images.map((i) => i.path)).toEqual(['C:\\Windows\\System32\\wininet.dll']);
    expect(cmstp?.user).toBe('CORP\\alice');
    expect(story.limits).toEqual({ truncated: false, cycles: [], missingParents: 0 });
  });

  it('keeps perProcess of each activity and counts the rest; stops at maxDepth and says so', () => {
    const bounds: StoryBounds = { ...DEFAULT_STORY_BOUNDS, perProcess: 1, maxDepth: 1 };
    const story = buildStory(subject(CMSTP.guid, undefined, 5), { entries: lookupOf(tree) }, bounds);
    const cmstp = story.processes.find((p) => p.depth === 0);
    expect(cmstp?.connections).toHaveLength(1);
    expect(cmstp?.cut.connections).toBe(1);
    expect(story.processes.map((p) => p.depth)).toEqual([-1, 0, 1]);
    expect(story.limits.truncated).toBe(true);
  });

  it('a parent that is not in the inputs is an inferred node, counted as missing', () => {
    const story = buildStory(subject(CMSTP.guid, undefined, 5), { entries: lookupOf(tree.slice(2)) }, DEFAULT_STORY_BOUNDS);
    expect(story.processes.map((p) => [p.kind, p.image])).toEqual([
      ['inferred', CMD.image],
      ['guid', CMSTP.image],
      ['guid', 'C:\\Users\\alice\\msupd.exe'],
    ]);
    expect(story.processes[1]?.parentId).toBe(story.processes[0]?.id);
    expect(story.limits.missingParents).toBe(1);
  });

  it('links 4688 processes by host + PID, picking the latest start of a reused PID before the child', () => {
    const events = [sec4688(1, 0x10, 0x4, 'old.exe'), sec4688(2, 0x20, 0x10, 'cmd.exe'), sec4688(3, 0x10, 0x4, 'reused.exe'), sec4688(4, 0x30, 0x20, 'cmstp.exe')];
    const story = buildStory(subject(undefined, 0x30, 5), { entries: lookupOf(events) }, DEFAULT_STORY_BOUNDS);
    expect(story.processes.map((p) => [p.kind, p.image])).toEqual([
      ['inferred', 'parent-of-old.exe'],
      ['pid', 'old.exe'],
      ['pid', 'cmd.exe'],
      ['pid', 'cmstp.exe'],
    ]);
  });

  it('finds 4688 children by the parent\'s PID, only between its start and the PID\'s next start', () => {
    const events = [sec4688(1, 0x20, 0x4, 'cmd.exe'), sec4688(2, 0x30, 0x20, 'child.exe'), sec4688(3, 0x40, 0x30, 'grandchild.exe'), sec4688(4, 0x20, 0x4, 'reused.exe'), sec4688(5, 0x50, 0x20, 'reused-child.exe')];
    const story = buildStory(subject(undefined, 0x20, 2), { entries: lookupOf(events) }, DEFAULT_STORY_BOUNDS);
    expect(story.processes.filter((p) => p.depth >= 0).map((p) => [p.depth, p.kind, p.image])).toEqual([
      [0, 'pid', 'cmd.exe'],
      [1, 'pid', 'child.exe'],
      [2, 'pid', 'grandchild.exe'],
    ]);
  });

  it('stops at a PID cycle and reports it (untimed 4688 events whose PIDs name each other)', () => {
    const events = [sec4688(undefined, 0x10, 0x20, 'a.exe'), sec4688(undefined, 0x20, 0x10, 'b.exe')];
    const story = buildStory({ ...subject(undefined, 0x10, 0), query: { pidKey: 'p|ws01|16', at: 0, namesProcess: true } }, { entries: lookupOf(events) }, DEFAULT_STORY_BOUNDS);
    // Up: a → b → a again; down: a's child by PID is b, already its parent. Each node once, both links reported.
    expect(story.processes.map((p) => p.image)).toEqual(['b.exe', 'a.exe']);
    expect(story.limits.cycles).toEqual([story.processes[1]?.id, story.processes[0]?.id]);
  });

  it('has no tree when the process is unknown, and takes the timeline and contributors it is given', () => {
    const contributor = subject(CMSTP.guid, undefined, 5);
    const corr: StorySubject = { alert: { kind: 'correlation', at: t(9), host: HOST, rule: 'c', ruleId: '', level: 'critical', tags: [] }, hostKey: 'ws01', contributors: [contributor], contributorCount: 1 };
    const timeline = [{ index: 3, at: t(1), rule: 'other', level: 'low' }];
    const story = buildStory(corr, { entries: lookupOf(tree), timeline: () => timeline }, DEFAULT_STORY_BOUNDS);
    expect(story.processes).toEqual([]);
    expect(story.timeline).toEqual(timeline);
    expect(story.contributors[0]?.processes.map((p) => p.depth)).toEqual([-2, -1, 0, 1]);
    expect(story.contributors[0]?.timeline).toEqual([]);
  });
});
