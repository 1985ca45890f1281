import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { generateEvents } from '../../bench/generate-corpus.js';
import { eventFromObject, type Event } from '../../src/event/event.js';
import { readEvtxBuffer } from '../../src/formats/evtx/read-evtx.js';
import { writeEvtxBuffer } from '../../src/formats/evtx/write-evtx.js';
import { normalizeWindowsEvent } from '../../src/pipeline/normalize-event.js';
import { eventRow, type EventRow } from '../../src/backends/sql/events-table.js';
import { CORPUS } from '../helpers.js';
import { adversarialEvents } from './adversarial-events.js';

export interface DifferentialCorpus {
  /** Events as the engine reads them, normalised; the index + 1 is the table's record id. */
  readonly events: readonly Event[];
  readonly rows: readonly EventRow[];
}

function evtxFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (p: string) => (statSync(p).isDirectory() ? readdirSync(p).sort().forEach((e) => walk(join(p, e))) : p.endsWith('.evtx') && out.push(p));
  walk(dir);
  return out;
}

/**
 * The SigmaHQ regression samples' EVTX (read by our reader), a generated corpus written to EVTX and read back, and the
 * adversarial rows. The generated part is 1,200 events with a scenario every 16 (75 attacks and lookalikes, as many as
 * 3,000 events with one every 40 had): every SQL query scans the whole table, so its cost grows with the background
 * rows, while the rules' positives sit in the samples and the scenarios.
 */
export function differentialCorpus(generated = 1200, injectEvery = 16): DifferentialCorpus {
  const events: Event[] = [];
  for (const file of evtxFiles(join(CORPUS, 'sigmahq', 'regression_data'))) {
    for (const it of readEvtxBuffer(readFileSync(file), file)) if (it.kind === 'record') events.push(normalizeWindowsEvent(it.event));
  }
  for (const it of readEvtxBuffer(writeEvtxBuffer(generateEvents(generated, 7, { injectEvery })), 'generated.evtx')) {
    if (it.kind === 'record') events.push(normalizeWindowsEvent(it.event));
  }
  for (const fields of adversarialEvents()) events.push(normalizeWindowsEvent(eventFromObject(fields, { file: 'adversarial' })));
  return { events, rows: events.map((e, i) => eventRow(e, i + 1)) };
}
