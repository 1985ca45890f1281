import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { formatDiagnostic } from '../../src/diagnostics.js';
import { RuleSet } from '../../src/engine/rule-set.js';
import { eventFromObject, type Event } from '../../src/event/event.js';
import { loadRules, type LoadRulesOptions, type RuleCollection } from '../../src/rule/load-rules.js';
import type { DetectionNode, SigmaRule } from '../../src/rule/model.js';
import { decodeGraph, encodeGraph, RuleCache } from '../../src/rule/rule-cache.js';
import { CORPUS, corpusAvailable } from '../helpers.js';

const SIGMAHQ = join(CORPUS, 'sigmahq');
const has = corpusAvailable();
const ROOT = resolve(__dirname, '../..');
const temps: string[] = [];
const temp = (prefix: string) => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  temps.push(d);
  return d;
};
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

// A few hundred real rules, with what makes parsing differ: legacy collections, unsupported rules,
// placeholders, and ordinary rules of two categories.
const SUBSET = has
  ? ['rules/windows/network_connection', 'rules/windows/registry/registry_set', 'rules-placeholder', 'unsupported', 'deprecated'].map((d) => join(SIGMAHQ, d))
  : [];

/** Everything a caller sees of a collection, diagnostics as printed (line:column). */
function observable(c: RuleCollection) {
  return {
    rules: c.rules,
    filters: c.filters,
    correlations: c.correlations,
    diagnostics: c.diagnostics,
    printed: c.diagnostics.map((d) => formatDiagnostic(d, c.sources)),
    files: c.files,
    documents: c.documents,
  };
}

/** One event per rule, made of the first value of each of its items: events that match some rules. */
function eventsFor(rules: readonly SigmaRule[]): Event[] {
  const events: Event[] = [];
  const fields = (n: DetectionNode, out: Record<string, string>) => {
    if (n.kind === 'item') {
      const w = n.item.written[0];
      if (n.item.field !== null && w !== undefined) out[n.item.field] = w.replace(/^\*|\*$/g, '');
    } else for (const i of n.items) fields(i, out);
  };
  for (const r of rules) {
    const out: Record<string, string> = {};
    for (const d of r.detections.values()) fields(d.node, out);
    events.push(eventFromObject(out));
  }
  return events;
}

function matches(c: RuleCollection, events: readonly Event[]): string[][] {
  // The detections alone: the events carry no channel, which the Windows logsources would ask for.
  const set = RuleSet.compile(c.rules, { filters: c.filters });
  return events.map((e) => set.match(e).map((r) => `${r.rule.file}#${r.rule.title}`));
}

describe.skipIf(!has)('the parsed-rule cache over real SigmaHQ rules', () => {
  test.each<[string, LoadRulesOptions]>([
    ['hunt options', { placeholders: new Map([['Admins_Workstations', ['ws1', 'ws2']]]) }],
    ['check options (lint)', { lint: true }],
  ])('%s: the same rules, diagnostics and matches without, with a cold and with a warm cache', (_, options) => {
    const cacheDir = temp('sigmatch-cache-');
    const plain = loadRules(SUBSET, options);
    const cold = loadRules(SUBSET, { ...options, cache: true, cacheDir });
    const warm = loadRules(SUBSET, { ...options, cache: true, cacheDir });
    expect(plain.files).toBeGreaterThan(400);
    expect(plain.diagnostics.length).toBeGreaterThan(50);
    expect(cold.cachedFiles).toBe(0);
    expect(warm.cachedFiles).toBe(warm.files);
    const reference = observable(plain);
    expect(observable(cold)).toStrictEqual(reference);
    expect(observable(warm)).toStrictEqual(reference);
    const events = eventsFor(plain.rules);
    const expected = matches(plain, events);
    expect(expected.flat().length).toBeGreaterThan(100);
    expect(matches(warm, events)).toStrictEqual(expected);
  });
});

const RULE = (title: string, image: string) => `title: ${title}
id: 0b2b3a9e-6a52-4c3e-9a4a-3b1f3f0d6c${String([...title].reduce((n, c) => n + c.charCodeAt(0), 0) % 100).padStart(2, '0')}
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        Image|endswith: '${image}'
    condition: selection
level: high
`;

describe('the parsed-rule cache never serves a stale rule', () => {
  test('a changed, an added and a deleted file are picked up', () => {
    const dir = temp('sigmatch-rules-');
    const cacheDir = temp('sigmatch-cache-');
    const a = join(dir, 'a.yml');
    writeFileSync(a, RULE('Rule A', '\\a.exe'));
    writeFileSync(join(dir, 'b.yml'), RULE('Rule B', '\\b.exe'));
    const load = () => loadRules([dir], { cache: true, cacheDir });
    expect(load().rules.map((r) => r.title)).toEqual(['Rule A', 'Rule B']);
    expect(load().cachedFiles).toBe(2);

    // Same size, new content: the text is the key, not the size or the time.
    writeFileSync(a, RULE('Rule X', '\\x.exe'));
    const changed = load();
    expect(changed.rules.map((r) => r.title)).toEqual(['Rule X', 'Rule B']);
    expect(changed.cachedFiles).toBe(1);

    writeFileSync(join(dir, 'c.yml'), RULE('Rule C', '\\c.exe'));
    expect(load().rules.map((r) => r.title)).toEqual(['Rule X', 'Rule B', 'Rule C']);

    unlinkSync(join(dir, 'b.yml'));
    const deleted = load();
    expect(deleted.rules.map((r) => r.title)).toEqual(['Rule X', 'Rule C']);
    expect(deleted.cachedFiles).toBe(2);
    // Documents kept from earlier packs (their raw data decoded on first use) are whole.
    expect(observable(deleted)).toStrictEqual(observable(loadRules([dir])));
    expect(deleted.rules.map((r) => r.raw['title'])).toEqual(['Rule X', 'Rule C']);
    // An error in a changed file is reported with its place, as without the cache.
    writeFileSync(a, 'title: Broken\nlogsource: {product: windows}\ndetection:\n    sel:\n        Image|nosuch: x\n    condition: sel\n');
    const broken = load();
    const plain = loadRules([dir]);
    expect(broken.diagnostics.map((d) => formatDiagnostic(d, broken.sources))).toStrictEqual(plain.diagnostics.map((d) => formatDiagnostic(d, plain.sources)));
    expect(broken.diagnostics.some((d) => d.severity === 'error')).toBe(true);
  });

  test('a file left alone for a while is trusted by its stamp, and still a rewrite of the same size with its time set back is picked up', async () => {
    const dir = temp('sigmatch-rules-');
    const cacheDir = temp('sigmatch-cache-');
    const a = join(dir, 'a.yml');
    writeFileSync(a, RULE('Rule A', '\\a.exe'));
    writeFileSync(join(dir, 'b.yml'), 'title: Broken\nlogsource: {product: windows}\ndetection:\n    sel:\n        Image|nosuch: x\n    condition: sel\n');
    const load = () => loadRules([dir], { cache: true, cacheDir });
    // Files changed in the last seconds are read and hashed on every run (their stamp is not trusted yet).
    expect(load().cachedFiles).toBe(0);
    expect(load().cachedFiles).toBe(2);
    await new Promise((r) => setTimeout(r, 3200));
    load(); // read once more now that they are still: the pack takes their stamps
    const stamped = load();
    expect(stamped.cachedFiles).toBe(2);
    // Taken by stamp, not read: the diagnostics still print with their line and column, as without the cache.
    const plain = loadRules([dir]);
    expect(observable(stamped)).toStrictEqual(observable(plain));
    expect([...stamped.sources.keys()].sort()).toEqual([...plain.sources.keys()].sort());

    // The same size, new content, and the old modification time put back: the change time moved, so it is read.
    const { atime, mtime } = statSync(a);
    writeFileSync(a, RULE('Rule X', '\\x.exe'));
    utimesSync(a, atime, mtime);
    expect(load().rules.map((r) => r.title)).toEqual(['Rule X']);
    // And again at once (now within the racy window of the last read): read again, not trusted by its stamp.
    writeFileSync(a, RULE('Rule Y', '\\y.exe'));
    utimesSync(a, atime, mtime);
    expect(load().rules.map((r) => r.title)).toEqual(['Rule Y']);
  });

  test('other options or another folder never share a pack', () => {
    const dir = temp('sigmatch-rules-');
    const cacheDir = temp('sigmatch-cache-');
    writeFileSync(join(dir, 'p.yml'), RULE('Placeholder', '%Tools%').replace("'%Tools%'", "'%Tools%'\n        CommandLine|expand: '%Tools%'"));
    const hunt = loadRules([dir], { cache: true, cacheDir });
    const lint = loadRules([dir], { cache: true, cacheDir, lint: true });
    const valued = loadRules([dir], { cache: true, cacheDir, placeholders: new Map([['Tools', ['psexec']]]) });
    expect(lint.cachedFiles).toBe(0);
    expect(valued.cachedFiles).toBe(0);
    expect(hunt.rules.length).toBe(0);
    expect(lint.rules.length).toBe(1);
    expect(valued.rules.length).toBe(1);
    expect(hunt.diagnostics.map((d) => d.code)).toStrictEqual(loadRules([dir]).diagnostics.map((d) => d.code));
  });
});

describe('the cache folder stays small', () => {
  test('packs unused for 30 days and stale temporary files go, at most 16 packs stay, the one in use stays', () => {
    const dir = temp('sigmatch-rules-');
    writeFileSync(join(dir, 'a.yml'), RULE('Rule A', '\\a.exe'));
    const cacheDir = temp('sigmatch-cache-');
    const old = new Date(Date.now() - 40 * 24 * 3600 * 1000);
    const hour = new Date(Date.now() - 2 * 3600 * 1000);
    const file = (name: string, time?: Date) => {
      writeFileSync(join(cacheDir, name), 'x');
      if (time !== undefined) utimesSync(join(cacheDir, name), time, time);
    };
    file('rules-old.bin', old);
    file('rules-stale.bin.123.abc.tmp', hour);
    file('rules-fresh.bin.123.abc.tmp');
    for (let i = 0; i < 20; i++) file(`rules-recent${String(i).padStart(2, '0')}.bin`, new Date(Date.now() - i * 1000));
    file('unrelated.txt', old);
    loadRules([dir], { cache: true, cacheDir });
    const left = readdirSync(cacheDir).sort();
    const pack = basename(new RuleCache([dir], {}, cacheDir).file);
    expect(left).toContain(pack);
    expect(left).toContain('rules-fresh.bin.123.abc.tmp');
    expect(left).toContain('unrelated.txt');
    expect(left).not.toContain('rules-old.bin');
    expect(left).not.toContain('rules-stale.bin.123.abc.tmp');
    expect(left.filter((n) => n.endsWith('.bin'))).toHaveLength(16);
    // The most recently used stay.
    expect(left).toContain('rules-recent00.bin');
    expect(left).not.toContain('rules-recent19.bin');
  });
});

describe('a damaged cache is rebuilt, never a crash', () => {
  const dir = temp('sigmatch-rules-');
  writeFileSync(join(dir, 'a.yml'), RULE('Rule A', '\\a.exe'));
  writeFileSync(join(dir, 'b.yml'), RULE('Rule B', '\\b.exe'));
  const reference = observable(loadRules([dir]));

  test.each<[string, (file: string) => void]>([
    ['truncated', (f) => truncateSync(f, Math.floor(readFileSync(f).length / 2))],
    ['empty', (f) => truncateSync(f, 0)],
    ['one byte of the payload flipped', (f) => {
      const b = readFileSync(f);
      b[b.length - 10] = (b[b.length - 10] ?? 0) ^ 0xff;
      writeFileSync(f, b);
    }],
    ['garbage', (f) => writeFileSync(f, 'not a cache at all\n'.repeat(100))],
    ['a pack of another build (its key changed)', (f) => {
      const b = readFileSync(f);
      const at = b.indexOf('"build":"') + 9;
      b[at] = (b[at] ?? 0) === 0x41 ? 0x42 : 0x41;
      writeFileSync(f, b);
    }],
  ])('%s', (_, damage) => {
    const cacheDir = temp('sigmatch-cache-');
    const first = loadRules([dir], { cache: true, cacheDir });
    expect(observable(first)).toStrictEqual(reference);
    const pack = new RuleCache([dir], {}, cacheDir).file;
    damage(pack);
    const rebuilt = loadRules([dir], { cache: true, cacheDir });
    expect(observable(rebuilt)).toStrictEqual(reference);
    expect(rebuilt.cachedFiles).toBe(0);
    // ... and the rebuilt pack serves the next run.
    const after = loadRules([dir], { cache: true, cacheDir });
    expect(after.cachedFiles).toBe(2);
    expect(observable(after)).toStrictEqual(reference);
  });

  test('a cache folder that cannot be written: rules load, nothing is kept', () => {
    const blocker = join(temp('sigmatch-cache-'), 'file');
    writeFileSync(blocker, 'a file where the cache folder would be');
    const c = loadRules([dir], { cache: true, cacheDir: join(blocker, 'sigmatch') });
    expect(observable(c)).toStrictEqual(reference);
    expect(loadRules([dir], { cache: true, cacheDir: join(blocker, 'sigmatch') }).cachedFiles).toBe(0);
  });
});

describe.skipIf(!has)('two loads at once', () => {
  test('two processes filling one cache both succeed, and the pack is whole afterwards', async () => {
    const dir = temp('sigmatch-rules-');
    cpSync(join(SIGMAHQ, 'rules/windows/registry/registry_set'), join(dir, 'registry_set'), { recursive: true });
    cpSync(join(SIGMAHQ, 'rules/windows/network_connection'), join(dir, 'network_connection'), { recursive: true });
    const xdg = temp('sigmatch-xdg-');
    const script = `import { loadRules } from ${JSON.stringify(join(ROOT, 'src/rule/load-rules.ts'))};
const c = loadRules([${JSON.stringify(dir)}], { cache: true });
console.log(JSON.stringify({ files: c.files, rules: c.rules.length, diagnostics: c.diagnostics.length }));`;
    const run = () =>
      new Promise<{ code: number | null; out: string; err: string }>((done) => {
        const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, env: { ...process.env, XDG_CACHE_HOME: xdg } });
        let out = '';
        let err = '';
        child.stdout.on('data', (b: Buffer) => (out += b.toString()));
        child.stderr.on('data', (b: Buffer) => (err += b.toString()));
        child.on('close', (code) => done({ code, out, err }));
      });
    const results = await Promise.all([run(), run(), run()]);
    const reference = loadRules([dir]);
    for (const r of results) {
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(JSON.parse(r.out)).toEqual({ files: reference.files, rules: reference.rules.length, diagnostics: reference.diagnostics.length });
    }
    const after = loadRules([dir], { cache: true, cacheDir: join(xdg, 'sigmatch') });
    expect(after.cachedFiles).toBe(reference.files);
    expect(observable(after)).toStrictEqual(observable(reference));
  });
});

describe('the pack encoding (encodeGraph, decodeGraph)', () => {
  test('every kind of value comes back as it was, shared objects shared, equal plain values equal', () => {
    const shared = { a: 1 };
    const value = {
      numbers: [0, -0, 1.5, -7, 2 ** 31, -(2 ** 31), NaN, Infinity, -Infinity, Number.MAX_VALUE, 5e-324],
      strings: ['', 'plain', 'caf\u00e9', 'snow \u2603', 'lone \ud800 surrogate', 'x'.repeat(5000), 'a\u0000b'],
      flags: [true, false, null, undefined],
      map: new Map<string, unknown>([['k', { deep: [shared] }], ['j', shared]]),
      bytes: new Uint8Array([1, 2, 3]),
      keys: { 'not an identifier': 1, __proto__: 2, ['constructor']: 3, 0: 'first' } as Record<string, unknown>,
      nested: [[], {}, [[[]]]],
      twice: [shared, shared],
    };
    Object.defineProperty(value.keys, '__proto__', { value: 2, enumerable: true, configurable: true, writable: true });
    const back = decodeGraph(encodeGraph(value)) as typeof value;
    expect(back).toStrictEqual(value);
    expect(Object.is(back.numbers[1], -0)).toBe(true);
    expect(Object.keys(back.keys)).toStrictEqual(Object.keys(value.keys));
    expect(Object.getPrototypeOf(back.keys)).toBe(Object.prototype);
    expect(back.twice[0]).toBe(back.twice[1]);
    expect(back.map.get('j')).toBe(back.twice[0]);
    expect([...back.bytes]).toStrictEqual([1, 2, 3]);
  });

  test('what it cannot keep is refused, never stored wrong', () => {
    const cycle: unknown[] = [];
    cycle.push(cycle);
    for (const bad of [cycle, { d: new Date(0) }, [1n], { f: () => 1 }, new Set([1])]) expect(() => encodeGraph(bad)).toThrow();
  });

  test('a damaged encoding is an error or another small graph, never a huge allocation (the checksum finds damage)', () => {
    const good = encodeGraph({ list: ['a', 'b', 'c'], n: [1, 2, 3], m: new Map([['x', 1]]) });
    expect(() => decodeGraph(good.subarray(0, good.length - 8))).toThrow();
    expect(() => decodeGraph(Buffer.alloc(0))).toThrow();
    // Every word of the structure set to a list of 100 million elements, one at a time.
    const head = new Int32Array(good.buffer, good.byteOffset, 9);
    const start = 40 + ((head[2]! + 7) & ~7) + ((head[3]! + 7) & ~7);
    const words = head[4]! / 4;
    let refused = 0;
    for (let i = 0; i < words; i++) {
      const b = Buffer.from(good);
      b.writeInt32LE((100_000_000 << 4) | 7, start + 4 * i);
      let back: unknown;
      try {
        back = decodeGraph(b);
      } catch {
        refused++;
        continue;
      }
      // Only an integer's own word can take any value: the graph is the same but for that number.
      expect(JSON.stringify(back, (_, v: unknown) => (v instanceof Map ? [...v] : v)).length).toBeLessThan(100);
    }
    expect(words).toBeGreaterThan(10);
    expect(refused).toBeGreaterThanOrEqual(words - 4);
  });
});
