import type { StoryChunk } from '../../engine/story/story-collector.js';
import { AttackMatrix, type AttackCell } from './attack-matrix.js';
import { compressJson } from './compress-blob.js';
import { embedJson } from './embed-json.js';
import { packStories } from './pack-stories.js';
import { REPORT_CSS } from './report-css.js';
import { REPORT_SCRIPT } from './report-script.js';
import { SORT_CSS, SORT_SCRIPT } from './sort-script.js';
import { STORY_CSS } from './story-css.js';
import { STORY_SCRIPT } from './story-script.js';

/** What the caller knows of the hunt: passed in, so that the same hunt writes the same file. */
export interface ReportInfo {
  /** ISO-8601 time the report was made (the CLI's clock, never the writer's). */
  readonly generatedAt: string;
  readonly title: string;
  readonly events: number;
  readonly files: number;
  readonly rulesLoaded: number;
}

/** The summary the page shows, gathered as the alerts stream through. */
export interface ReportMeta extends ReportInfo {
  readonly alerts: number;
  readonly suppressed: number;
  readonly byLevel: ReadonlyArray<readonly [string, number]>;
  readonly byRule: ReadonlyArray<readonly [string, number]>;
  readonly byHost: ReadonlyArray<readonly [string, number]>;
  readonly attack: readonly AttackCell[];
  readonly chunks: number;
}

const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));

/**
 * The report as pieces of one self-contained HTML file, streamed: the page's CSS, then per chunk of alerts their
 * rows and their stories, each gzipped as base64 in a `text/plain` script element (inflated by the page: rows at
 * load, a chunk's stories when one of its alerts is opened), then the summary as escaped JSON and the renderer.
 * Nothing is fetched: a Content-Security-Policy forbids any connection.
 */
export function* renderHtmlReport(info: ReportInfo, chunks: Iterable<StoryChunk>): Generator<string> {
  yield '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">';
  yield `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">`;
  yield '<meta name="viewport" content="width=device-width, initial-scale=1"><title>sigmatch hunt report</title>';
  yield `<style>${STORY_CSS}${SORT_CSS}${REPORT_CSS}</style></head><body>\n`;
  yield '<noscript>This report needs JavaScript to show its alerts.</noscript>\n';
  const byLevel = new Map<string, number>();
  const byRule = new Map<string, number>();
  const byHost = new Map<string, number>();
  const attack = new AttackMatrix();
  let alerts = 0;
  let suppressed = 0;
  let n = 0;
  for (const chunk of chunks) {
    const rows = chunk.subjects.map((s) => s.alert);
    for (const a of rows) {
      if (a.suppressedBy !== undefined) {
        suppressed++;
        continue;
      }
      alerts++;
      bump(byLevel, a.level);
      bump(byRule, a.rule);
      bump(byHost, a.host);
      attack.add(a.tags);
    }
    yield `<script type="text/plain" data-sm="rows" data-first="${chunk.first}">${compressJson(rows)}</script>\n`;
    yield `<script type="text/plain" data-sm="stories" data-first="${chunk.first}">${compressJson(packStories(chunk.stories))}</script>\n`;
    n++;
  }
  const meta: ReportMeta = { ...info, alerts, suppressed, byLevel: sorted(byLevel), byRule: sorted(byRule), byHost: sorted(byHost), attack: attack.result(), chunks: n };
  yield `<script type="application/json" id="sm-meta">${embedJson(meta)}</script>\n`;
  yield `<script>${STORY_SCRIPT}\n${SORT_SCRIPT}\n${REPORT_SCRIPT}</script>\n</body></html>\n`;
}
