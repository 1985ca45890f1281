import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { sigmatch } from './run-cli.js';
import { ruleYaml } from '../helpers.js';

describe('sigmatch check', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sigmatch-check-'));
  const good = join(dir, 'good.yml');
  const bad = join(dir, 'bad.yml');
  writeFileSync(good, ruleYaml("selection:\n    Image|endswith: '\\cmd.exe'\ncondition: selection"));
  writeFileSync(bad, ruleYaml("selection:\n    Image|endwith: '\\cmd.exe'\ncondition: selection"));

  test('clean rules exit 0', () => {
    const r = sigmatch(['check', good]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('0 errors, 0 warnings');
  });
  test('rule errors exit 1 with path:line:col', () => {
    const r = sigmatch(['check', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${bad}:9:9: error modifier-unknown: unknown modifier 'endwith'`);
    expect(r.stdout).toMatch(/1 errors, 0 warnings/);
    expect(r.stdout).toMatch(/1\s+error modifier-unknown/);
  });
  test('usage errors exit 2 without a stack trace', () => {
    for (const args of [['check'], ['check', '--format', 'yaml', good], ['check', '--bogus', good], ['nope']]) {
      const r = sigmatch(args);
      expect(r.code).toBe(2);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
  test('--format json', () => {
    const r = sigmatch(['check', '--format', 'json', dir]);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ files: 2, rules: 1, errors: 1, byCode: { 'error modifier-unknown': 1 } });
    expect(out.diagnostics[0]).toMatchObject({ code: 'modifier-unknown', line: 9, column: 9, file: bad });
  });
  test('a missing path is reported', () => {
    const r = sigmatch(['check', join(dir, 'missing.yml')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('file-unreadable');
  });
});

describe('field check', () => {
  test('a field the logsource never carries is flagged', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sigmatch-fields-'));
    const f = join(dir, 'r.yml');
    writeFileSync(f, ruleYaml("selection:\n    Image|endswith: '\\cmd.exe'\n    DestinationIp: '1.2.3.4'\ncondition: selection"));
    const r = sigmatch(['check', f]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${f}:10:9: warning field-unknown: 'DestinationIp' is not a field of process_creation events`);
  });
});

describe('sigmatch dump', () => {
  test('jsonl and xml out, problems to stderr with a count', async () => {
    const { writeEvtxBuffer } = await import('../../src/formats/evtx/write-evtx.js');
    const { sysmonEvent } = await import('../formats/evtx-writer.js');
    const dir = mkdtempSync(join(tmpdir(), 'sigmatch-dump-'));
    const file = join(dir, 'a.evtx');
    const buf = writeEvtxBuffer([sysmonEvent(1, [['Image', 'C:\\a.exe']]), sysmonEvent(1, [['Image', 'C:\\b.exe']])]);
    // Break the first record's trailing size copy: it is skipped, the second (using its template) still read.
    const size = buf.readUInt32LE(4096 + 512 + 4);
    buf.writeUInt32LE(0, 4096 + 512 + size - 4);
    writeFileSync(file, buf);
    const j = sigmatch(['dump', file]);
    expect(j.code).toBe(0);
    const lines = j.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.Image)).toEqual(['C:\\b.exe']);
    expect(lines[0]['@source']).toEqual({ file, record: 2 });
    expect(j.stderr).toContain(`${file} @ byte 4608, chunk 0, record 1: error evtx-record-size`);
    expect(j.stderr).toContain('1 events from 1 files, 2 problems');
    const x = sigmatch(['dump', '--format', 'xml', file]);
    expect(x.stdout).toContain('<Data Name="Image">C:\\b.exe</Data>');
    expect(sigmatch(['dump', '--format', 'csv', file]).code).toBe(2);
  });
});
