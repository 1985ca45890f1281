import { existsSync } from 'node:fs';
import type { Event } from '../event/event.js';
import { formatInputProblem } from '../formats/input-item.js';
import { readJsonText } from '../formats/json/read-json.js';
import { readInput } from '../formats/read-input.js';

/** `FILE[:RECORD]`: a file name that exists is taken whole (Windows paths have colons), else the number after the last colon. */
export function parseEventRef(ref: string): { file: string; record?: number } {
  if (existsSync(ref)) return { file: ref };
  const m = /^(.*):(\d+)$/.exec(ref);
  if (m !== null && m[1] !== undefined && m[1] !== '') return { file: m[1], record: Number(m[2]) };
  return { file: ref };
}

/** Whether an event is the one RECORD names: its EVTX EventRecordID, or its line in a JSON or XML file. */
export function isRecord(e: Event, record: number): boolean {
  return e.source?.record === record || (e.source?.record === undefined && e.source?.line === record);
}

export interface EventChoice {
  readonly events: readonly Event[];
  readonly problems: readonly string[];
}

/** The events of a file (all of them, or the one RECORD names), with the problems met reading it. */
export async function readEventsOf(file: string, record: number | undefined): Promise<EventChoice> {
  const events: Event[] = [];
  const problems: string[] = [];
  for await (const item of readInput(file)) {
    if (item.kind === 'problem') problems.push(formatInputProblem(item.problem));
    else if (record === undefined || isRecord(item.event, record)) {
      events.push(item.event);
      if (record !== undefined) break;
    }
  }
  return { events, problems };
}

/** `--event-json TEXT`: one JSON record in any layout the JSON reader knows (flat Sysmon fields, evtx_dump, Winlogbeat). */
export function eventFromJsonText(text: string): EventChoice {
  const events: Event[] = [];
  const problems: string[] = [];
  for (const item of readJsonText(text, '--event-json')) {
    if (item.kind === 'problem') problems.push(formatInputProblem(item.problem));
    else events.push(item.event);
  }
  return { events, problems };
}
