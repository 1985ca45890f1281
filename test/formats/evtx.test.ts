import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { readEvtxBuffer, type EvtxItem } from '../../src/formats/evtx/read-evtx.js';
import { readXmlText } from '../../src/formats/xml/read-xml.js';
import { writeEvtxBuffer, type WriterEvent } from '../../src/formats/evtx/write-evtx.js';
import { CORPUS, corpusAvailable } from '../helpers.js';
import { sysmonEvent } from './evtx-writer.js';
import { generateEvents } from '../../bench/generate-corpus.js';

const records = (items: Iterable<EvtxItem>) => [...items].filter((i): i is Extract<EvtxItem, { kind: 'record' }> => i.kind === 'record');
const problems = (items: Iterable<EvtxItem>) => [...items].filter((i): i is Extract<EvtxItem, { kind: 'problem' }> => i.kind === 'problem').map((i) => i.problem);

const netConn = (i: number) =>
  sysmonEvent(3, [
    ['RuleName', '-'],
    ['UtcTime', '2024-05-01 10:00:00.123'],
    ['ProcessGuid', { type: 'guid', value: '{0197231E-FE0B-693F-1306-000000000D00}' }],
    ['ProcessId', 4242 + i],
    ['Image', 'C:\\Windows\\System32\\cmstp.exe'],
    ['User', 'CORP\\alice'],
    ['Protocol', 'tcp'],
    ['Initiated', 'true'],
    ['SourceIsIpv6', 'false'],
    ['SourceIp', '10.0.0.5'],
    ['SourcePort', { type: 'uint16', value: 49152 + i }],
    ['DestinationIp', `203.0.113.${i % 250}`],
    ['DestinationPort', { type: 'uint16', value: 443 }],
    ['Odd', 'x <&> "y" \u00e9\u4e2d'],
  ]);

describe('EVTX writer → reader', () => {
  test('round trip keeps every field and value type, across many chunks', () => {
    const events = Array.from({ length: 2500 }, (_, i) => netConn(i));
    const buf = writeEvtxBuffer(events);
    const items = [...readEvtxBuffer(buf, 'mem.evtx')];
    expect(problems(items)).toEqual([]);
    const recs = records(items);
    expect(recs).toHaveLength(2500);
    expect(new Set(recs.map((r) => r.record.chunk)).size).toBeGreaterThan(5);
    const f = recs[7]!.event.fields;
    expect(f).toMatchObject({
      EventID: 3,
      Provider_Name: 'Microsoft-Windows-Sysmon',
      Provider_Guid: '{5770385F-C22A-43E0-BF4C-06F5698FFBD9}',
      Channel: 'Microsoft-Windows-Sysmon/Operational',
      Computer: 'WS01.corp.local',
      Security_UserID: 'S-1-5-18',
      Keywords: '0x8000000000000000',
      TimeCreated: '2024-05-01T10:00:00.1234567Z',
      EventRecordID: 8,
      ProcessGuid: '{0197231E-FE0B-693F-1306-000000000D00}',
      ProcessId: 4249,
      SourcePort: 49159,
      DestinationIp: '203.0.113.7',
      Initiated: 'true',
      Odd: 'x <&> "y" \u00e9\u4e2d',
    });
    expect(recs[7]!.event.source).toEqual({ file: 'mem.evtx', record: 8 });
  });

  test('property: write → read is identity on random string fields', () => {
    const name = fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{0,11}$/);
    const value = fc.string({ maxLength: 40 }).filter((s) => !s.includes('\0'));
    fc.assert(
      fc.property(fc.array(fc.uniqueArray(fc.tuple(name, value), { selector: (t) => t[0], minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 30 }), (rows) => {
        const events: WriterEvent[] = rows.map((data) => sysmonEvent(1, data));
        const recs = records(readEvtxBuffer(writeEvtxBuffer(events), 'p.evtx'));
        expect(recs).toHaveLength(events.length);
        recs.forEach((r, i) => {
          for (const [k, v] of rows[i]!) expect(r.event.fields[k]).toBe(v);
        });
      }),
      { numRuns: 60 },
    );
  });

  test("Debian's evtxexport reads our files: same count and values", () => {
    const dir = mkdtempSync(join(tmpdir(), 'sigmatch-evtx-'));
    const file = join(dir, 'w.evtx');
    // Varied record sizes over many chunks, so some chunk fills up to its end.
    writeFileSync(file, writeEvtxBuffer([...Array.from({ length: 600 }, (_, i) => netConn(i)), ...generateEvents(8000)]));
    const xml = execFileSync('evtxexport', ['-f', 'xml', file], { encoding: 'utf8', maxBuffer: 1 << 30 });
    expect(xml.match(/<Event xmlns/g)?.length).toBe(8600);
    expect(xml).toContain('<Data Name="Image">C:\\Windows\\System32\\cmstp.exe</Data>');
    expect(xml).toContain('<Data Name="DestinationPort">443</Data>');
    expect(xml).toContain('SystemTime="2024-05-01T10:00:00.123456700Z"');
    expect(xml).toContain('<EventRecordID>600</EventRecordID>');
  });
});

describe('robustness', () => {
  const good = writeEvtxBuffer(Array.from({ length: 300 }, (_, i) => netConn(i)));
  test('property: mutated and truncated bytes yield only problems, never an exception', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: good.length - 1 }), fc.nat({ max: 255 })), { minLength: 1, maxLength: 40 }),
        fc.option(fc.nat({ max: good.length }), { nil: undefined }),
        (mutations, cut) => {
          const buf = Buffer.from(good);
          for (const [at, byte] of mutations) buf[at] = byte;
          const input = cut === undefined ? buf : buf.subarray(0, cut);
          for (const recover of [false, true]) {
            const items = [...readEvtxBuffer(input, 'm.evtx', { recover })];
            for (const p of problems(items)) {
              expect(typeof p.code).toBe('string');
              expect(p.offset).toBeGreaterThanOrEqual(0);
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  test('a corrupt record is reported with its place and the rest is still read', () => {
    const buf = Buffer.from(good);
    // Damage the BinXML of the third record of chunk 0.
    let pos = 4096 + 512;
    for (let i = 0; i < 2; i++) pos += buf.readUInt32LE(pos + 4);
    buf.fill(0xee, pos + 40, pos + 60);
    const items = [...readEvtxBuffer(buf, 'c.evtx')];
    const ps = problems(items);
    expect(ps).toContainEqual(expect.objectContaining({ code: 'evtx-record-binxml', chunk: 0, record: 3, offset: pos }));
    expect(records(items).length).toBe(299);
  });

  test('not an EVTX file, and a truncated header', () => {
    expect(problems(readEvtxBuffer(Buffer.from('hello world'.repeat(500)), 'x'))[0]?.code).toBe('evtx-not-evtx');
    expect(problems(readEvtxBuffer(good.subarray(0, 100), 'x'))[0]?.code).toBe('evtx-truncated');
  });
});

const has = corpusAvailable();

describe.skipIf(!has)('the corpus EVTX files', () => {
  const rows = readFileSync(join(CORPUS, 'reference-counts.tsv'), 'utf8')
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith('path'))
    .map((l) => l.split('\t'));
  const explained = new Map(
    readFileSync(join(__dirname, 'fixtures/evtx-count-differences.tsv'), 'utf8')
      .split('\n')
      .slice(1)
      .filter((l) => l !== '')
      .map((l) => l.split('\t'))
      .map(([path, ours, , , why]) => [path as string, { ours: Number(ours), why: why as string }]),
  );

  test('every file: no exception; counts match the reference tools where they agree, differences explained', () => {
    expect(rows.length).toBeGreaterThan(400);
    for (const [path, , ex, exr, , , , pe, pr] of rows) {
      const items = [...readEvtxBuffer(readFileSync(join(CORPUS, path!)), path!)];
      const n = records(items).length;
      if (ex === '0' && pe === '0' && exr === pr) {
        expect([path, n]).toEqual([path, Number(exr)]);
        continue;
      }
      const row = explained.get(path!);
      expect(row, `${path} needs a row in evtx-count-differences.tsv`).toBeDefined();
      expect([path, n]).toEqual([path, row!.ours]);
      const successful = [ex === '0' ? Number(exr) : 0, pe === '0' ? Number(pr) : 0, Number(exr), Number(pr)];
      const below = successful.some((c) => c > n);
      if (below) expect(row!.why).toMatch(/never completed|unfinished writes/);
    }
  });

  test('--recover returns the slack records libevtx recovers, marked as recovered', () => {
    const f = join(CORPUS, 'evtx/evtx-rs-samples/sample_with_a_bad_chunk_magic.evtx');
    const recs = records(readEvtxBuffer(readFileSync(f), f, { recover: true }));
    const recovered = recs.filter((r) => r.record.recovered);
    expect(recs.length - recovered.length).toBe(267);
    expect(recovered.length).toBe(81);
    expect(recovered.every((r) => r.event.source?.recovered === true)).toBe(true);
  });

  test('chunks past the header count are read (dirty files)', () => {
    const f = join(CORPUS, 'evtx/evtx-rs-samples/system.evtx');
    expect(records(readEvtxBuffer(readFileSync(f), f)).length).toBe(1881);
  });

  test('value rendering: SizeT as hex, irregular booleans as true, template-less forwarded records', () => {
    const sizeT = records(readEvtxBuffer(readFileSync(join(CORPUS, 'evtx/evtx-rs-samples/Security_with_size_t.evtx')), 's'));
    expect(sizeT.some((r) => Object.values(r.event.fields).some((v) => typeof v === 'string' && /^0x[0-9a-f]+$/.test(v)))).toBe(true);
    const bools = records(readEvtxBuffer(readFileSync(join(CORPUS, 'evtx/evtx-rs-samples/sample-with-irregular-bool-values.evtx')), 'b'));
    const boolValues = bools.flatMap((r) => Object.values(r.event.fields)).filter((v) => typeof v === 'boolean');
    expect(boolValues).toContain(true);
    const wec = records(readEvtxBuffer(readFileSync(join(CORPUS, 'evtx/evtx-rs-samples/MSExchange_Management_wec.evtx')), 'w'));
    expect(wec[0]!.event.fields).toMatchObject({ EventID: 1, Provider_Name: 'MSExchange CmdletLogs', Computer: 'WEC.ave.local' });
  });

  test('every SigmaHQ regression sample: our fields equal its .json twin (after normalisation)', () => {
    const root = join(CORPUS, 'sigmahq/regression_data');
    const evtxFiles: string[] = [];
    const walk = (p: string) => (statSync(p).isDirectory() ? readdirSync(p).forEach((e) => walk(join(p, e))) : p.endsWith('.evtx') && evtxFiles.push(p));
    walk(root);
    expect(evtxFiles.length).toBeGreaterThan(140);
    let compared = 0;
    const twinDiffers: string[] = [];
    for (const f of evtxFiles) {
      const ours = records(readEvtxBuffer(readFileSync(f), f)).map((r) => r.event.fields);
      const twin = splitConcatenatedJson(readFileSync(f.replace(/\.evtx$/, '.json'), 'utf8'));
      expect([f, ours.length]).toEqual([f, twin.length]);
      let libevtx: Array<Record<string, unknown>> | undefined;
      ours.forEach((fields, i) => {
        const expected = flattenTwin(twin[i]);
        for (const [k, v] of Object.entries(expected)) {
          compared++;
          if (normalise(fields[k]) === normalise(v) || JSON.stringify(normalise(fields[k])) === JSON.stringify(normalise(v))) continue;
          // The twin disagrees: the independent parser decides who renders the record faithfully.
          libevtx ??= [...readXmlText(execFileSync('evtxexport', ['-f', 'xml', f], { encoding: 'utf8' }), 'evtxexport')].flatMap((it) => (it.kind === 'event' ? [it.event.fields] : []));
          expect([f, k, normalise(fields[k])]).toEqual([f, k, normalise(libevtx[i]?.[k])]);
          twinDiffers.push(`${f}:${k}`);
        }
      });
    }
    expect(compared).toBeGreaterThan(3000);
    // A handful of twins were edited by hand (e.g. Explorer.EXE → Explorer.exe); evtxexport sides with us on each.
    expect(twinDiffers.length).toBeLessThan(20);
  });
});

/**
 * Documented normalisations: GUIDs without braces (evtx_dump omits them), times to microseconds,
 * numbers and strings compared by text, and trailing blanks ignored: the twins' producer trims them,
 * while the data (and evtxexport, and we) keep them, e.g. ParentCommandLine '"...powershell.exe" '.
 */
function normalise(v: unknown): unknown {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.map(normalise);
  let s = String(v).trimEnd();
  const guid = /^\{([0-9A-F-]{36})\}$/i.exec(s);
  if (guid) s = guid[1]!.toUpperCase();
  const time = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6})\d*Z$/.exec(s);
  if (time) s = `${time[1]}Z`;
  return s;
}

function flattenTwin(obj: any): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const sys = obj.Event.System;
  for (const [k, v] of Object.entries<any>(sys)) {
    if (v !== null && typeof v === 'object') {
      for (const [a, av] of Object.entries(v['#attributes'] ?? {})) out[`${k}_${a}`] = av;
      if ('#text' in v) out[k] = v['#text'];
    } else if (v !== null) out[k] = v;
  }
  for (const [k, v] of Object.entries<any>(obj.Event.EventData ?? {})) {
    if (k === '#attributes') continue;
    out[k] = v !== null && typeof v === 'object' && '#text' in v ? v['#text'] : v;
  }
  return out;
}

function splitConcatenatedJson(text: string): unknown[] {
  const out: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inStr = false;
  let esc = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inStr) {
      if (esc) esc = false;
      else if (c === '\\') esc = true;
      else if (c === '"') inStr = false;
    } else if (c === '"') inStr = true;
    else if (c === '{') {
      if (depth++ === 0) start = i;
    } else if (c === '}' && --depth === 0) out.push(JSON.parse(text.slice(start, i + 1)));
  }
  return out;
}
