import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { generateEvents } from '../../bench/generate-corpus.js';
import { forgetParsedTemplates } from '../../src/formats/evtx/binxml.js';
import { CHUNK_SIZE, FILE_HEADER_SIZE } from '../../src/formats/evtx/file-header.js';
import { readChunk } from '../../src/formats/evtx/read-chunk.js';
import { writeEvtxBuffer } from '../../src/formats/evtx/write-evtx.js';
import { CORPUS, corpusAvailable, eventLoopTurn } from '../helpers.js';

/** Every record of a chunk as its fields and XML, and its problems. */
function readAll(chunk: Buffer, index: number): unknown {
  const r = readChunk(chunk, index, FILE_HEADER_SIZE + index * CHUNK_SIZE, { recover: true });
  return { records: r.records.map((x) => ({ id: x.id, fields: x.fields(), xml: x.xml() })), problems: r.problems };
}

function chunksOf(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = FILE_HEADER_SIZE; at + 512 <= buf.length; at += CHUNK_SIZE) out.push(buf.subarray(at, Math.min(at + CHUNK_SIZE, buf.length)));
  return out;
}

/** The chunk with every UTF-16 `Name` (element and attribute names stored once per chunk, and text) spelt `Nam3`. */
function renamed(chunk: Buffer): Buffer {
  const copy = Buffer.from(chunk);
  const name = Buffer.from('Name', 'utf16le');
  for (let at = copy.indexOf(name); at >= 0; at = copy.indexOf(name, at + 1)) copy.write('3', at + 6, 'utf16le');
  return copy;
}

test('a chunk whose template bytes an earlier chunk had, but whose names differ, is read as its own', () => {
  const chunks = chunksOf(writeEvtxBuffer([...generateEvents(600, 5)]));
  expect(chunks.length).toBeGreaterThan(1);
  const first = chunks[0] as Buffer;
  const changed = renamed(first);
  forgetParsedTemplates();
  const cold = readAll(changed, 0);
  forgetParsedTemplates();
  const original = readAll(first, 0);
  // The renaming shows in the fields (Provider_Nam3, EventData keyed by element name), so reusing the
  // first chunk's templates would be seen.
  expect(JSON.stringify(cold)).not.toBe(JSON.stringify(original));
  expect(JSON.stringify(cold)).toContain('Provider_Nam3');
  expect(readAll(changed, 0)).toEqual(cold);
  // And back: the original chunk after the renamed one.
  expect(readAll(first, 0)).toEqual(original);
});

function evtxFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...evtxFiles(p));
    else if (name.toLowerCase().endsWith('.evtx')) out.push(p);
  }
  return out;
}

test('every corpus chunk reads the same after every other file’s templates as with none parsed before it', async () => {
  if (!corpusAvailable()) return;
  const files = evtxFiles(join(CORPUS, 'evtx'));
  expect(files.length).toBeGreaterThan(200);
  const cold = new Map<string, unknown>();
  for (const f of files) {
    chunksOf(readFileSync(f)).forEach((c, i) => {
      forgetParsedTemplates();
      cold.set(`${f} ${i}`, readAll(c, i));
    });
    await eventLoopTurn();
  }
  // Warm: files in reverse order, twice, nothing forgotten.
  for (let round = 0; round < 2; round++) {
    for (const f of [...files].reverse()) {
      chunksOf(readFileSync(f)).forEach((c, i) => expect(readAll(c, i), `${f} chunk ${i}`).toEqual(cold.get(`${f} ${i}`)));
      await eventLoopTurn();
    }
  }
}, 120_000);
