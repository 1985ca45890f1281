import type { AnyAlert } from '../../engine/alert.js';
import type { SpillDir } from '../../engine/spill.js';
import { StoryCollector, type ContextSource } from '../../engine/story/story-collector.js';
import { subjectOf } from '../../engine/story/story-subject.js';
import { DEFAULT_STORY_BOUNDS, type StoryBounds } from '../../engine/story/story.js';
import { renderHtmlReport, type ReportInfo } from './write-html-report.js';

/** Alerts per chunk of stories in the page: the page inflates one chunk when one of its alerts is opened. */
export const STORY_CHUNK = 200;

/** How the hunt renders an alert for the report: its story subject as one line of JSON (sorted like any alert). */
export const storySubjectLine = (a: AnyAlert): string => JSON.stringify(subjectOf(a));

/** Where the report goes: pieces of text, and a wait for the writes behind to catch up. */
export interface ReportSink {
  write(text: string): void;
  ready(): Promise<void>;
}

/**
 * `hunt --format html`: takes the hunt's alerts (story subject lines, in time order), builds their stories from
 * the hunt's context (in memory, and spilled for the keys a round wants) and writes the one-file report.
 */
export async function writeHuntReport(alerts: Iterable<Uint8Array>, context: ContextSource, spill: SpillDir, info: ReportInfo, sink: ReportSink, bounds: StoryBounds = DEFAULT_STORY_BOUNDS): Promise<void> {
  const collector = new StoryCollector(spill, bounds);
  const decoder = new TextDecoder();
  for (const bytes of alerts) collector.addLine(decoder.decode(bytes));
  for (const piece of renderHtmlReport(info, collector.stories(context, STORY_CHUNK))) {
    sink.write(piece);
    await sink.ready();
  }
}

/**
 * The report's "generated at": SOURCE_DATE_EPOCH (seconds; the reproducible-builds convention) when set, so that
 * a hunt written twice gives the same bytes, else the caller's clock.
 */
export function generatedAtOf(sourceDateEpoch: string | undefined, now: Date): string {
  if (sourceDateEpoch !== undefined && /^\d+$/.test(sourceDateEpoch)) return new Date(Number(sourceDateEpoch) * 1000).toISOString();
  return now.toISOString();
}
