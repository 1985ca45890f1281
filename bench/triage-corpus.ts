import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeEvtxFile } from '../src/formats/evtx/write-evtx.js';
import { generateEvents, rng } from './generate-corpus.js';

/** About 900 bytes per generated event in our EVTX files (see run.ts), about 70 per 64 KiB chunk. */
const BYTES_PER_EVENT = 900;
const EVENTS_PER_CHUNK = 70;
/** The big files of a full-size collection, in MB; scaled down for a small bench size. */
const BIG_MB = [20, 50, 100, 200];
const SMALL_FILES = 296;
/** Of the small files, every EMPTY_EVERY-th has no record at all (a log that was cleared or never written). */
const EMPTY_EVERY = 20;

export interface TriageCollection {
  /** The folder of EVTX files, named so that their sorted order is the order of the events. */
  readonly dir: string;
  /** The same events, in the same order, in one file. */
  readonly oneFile: string;
  readonly files: number;
  readonly events: number;
}

/**
 * A generated triage collection (one host's winevt/Logs, as a responder collects it): about 300 EVTX files,
 * most of them one to three chunks, some empty, a few large (20–200 MB at full size, scaled so the whole
 * collection stays near `bytes`), cut in order from one generated event stream; and that stream in one file.
 */
export function triageCollection(outDir: string, bytes: number, seed = 7): TriageCollection {
  const dir = join(outDir, `triage-${Math.round(bytes / 1e6)}MB`);
  const oneFile = `${dir}.evtx`;
  const random = rng(seed);
  // About 300 small files at full size; a small bench keeps a fifth of its events in small files.
  const smallFiles = Math.max(20, Math.min(SMALL_FILES, Math.round((0.2 * bytes) / BYTES_PER_EVENT / (1.6 * EVENTS_PER_CHUNK))));
  const smallCounts = Array.from({ length: smallFiles }, (_, i) => (i % EMPTY_EVERY === EMPTY_EVERY - 1 ? 0 : Math.round(EVENTS_PER_CHUNK * (0.2 + random() * 2.8))));
  const smallEvents = smallCounts.reduce((a, b) => a + b, 0);
  const bigBudget = Math.max(0, bytes / BYTES_PER_EVENT - smallEvents);
  const full = BIG_MB.reduce((a, b) => a + b, 0) * 1e6 / BYTES_PER_EVENT;
  const scale = Math.min(1, bigBudget / full);
  const counts = [...smallCounts];
  // The big files sit among the small ones, as Security.evtx or Sysmon's log do in a sorted listing.
  BIG_MB.forEach((mb, i) => counts.splice(Math.round(((i + 1) * counts.length) / (BIG_MB.length + 1)), 0, Math.round((mb * 1e6 * scale) / BYTES_PER_EVENT)));
  const events = counts.reduce((a, b) => a + b, 0);
  const ready = existsSync(oneFile) && existsSync(dir) && readdirSync(dir).length === counts.length;
  if (!ready) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const stream = generateEvents(events, seed, { injectEvery: 500 })[Symbol.iterator]();
    function* take(n: number) {
      for (let k = 0; k < n; k++) {
        const next = stream.next();
        if (next.done === true) return;
        yield next.value;
      }
    }
    counts.forEach((n, i) => writeEvtxFile(join(dir, `${String(i).padStart(3, '0')}-${n === 0 ? 'empty' : 'log'}.evtx`), take(n)));
    // The generator is seeded: the same call gives the same stream again.
    writeEvtxFile(oneFile, generateEvents(events, seed, { injectEvery: 500 }));
  }
  return { dir, oneFile, files: counts.length, events };
}

