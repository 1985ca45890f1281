import type { SigmaCorrelation, SigmaRule } from '../../rule/model.js';

/** Splunk's alert.severity: 1 debug, 2 info, 3 low, 4 medium, 5 high, 6 critical. */
const SEVERITY: Record<string, number> = { informational: 2, low: 3, medium: 4, high: 5, critical: 6 };

/** How often the searches run and the time range each covers. */
export interface SavedSearchSchedule {
  /** The run interval in the `--schedule` form: 5m, 1h, 1d. */
  readonly every: string;
  /** How far behind now each run's range ends, for indexing delay (minutes). */
  readonly lagMinutes: number;
}

/** `*\/N * * * *` for minutes, `0 *\/N * * *` for hours, `0 0 *\/N * *` for days; N must divide its unit. */
export function cronOf(every: string): { cron: string; minutes: number } {
  const m = /^(\d+)([mhd])$/.exec(every);
  if (m === null) throw new Error(`schedule ${every}: expected minutes, hours or days such as 5m, 1h, 1d`);
  const n = Number(m[1]);
  const unit = m[2] as 'm' | 'h' | 'd';
  const whole = { m: 60, h: 24, d: 1 }[unit];
  if (n < 1 || (unit !== 'd' && whole % n !== 0) || (unit === 'd' && n !== 1)) {
    throw new Error(`schedule ${every}: a cron schedule repeats evenly only every ${unit === 'm' ? '1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30 or 60 minutes' : unit === 'h' ? '1, 2, 3, 4, 6, 8, 12 or 24 hours' : '1 day'}`);
  }
  if (unit === 'm') return { cron: n === 60 ? '0 * * * *' : `*/${n} * * * *`, minutes: n };
  if (unit === 'h') return { cron: n === 24 ? '0 0 * * *' : n === 1 ? '0 * * * *' : `0 */${n} * * *`, minutes: n * 60 };
  return { cron: '0 0 * * *', minutes: 1440 };
}

/**
 * A value as savedsearches.conf holds it: one line, or lines joined by a backslash at the line's end (the .conf
 * continuation). A line of the value that itself ends in a backslash would read as a continuation: refused.
 */
function confValue(text: string): string {
  const lines = text.split(/\r?\n/);
  for (const line of lines) if (line.endsWith('\\')) throw new Error('a line of the value ends with a backslash, which savedsearches.conf reads as a continuation');
  return lines.join(' \\\n');
}

/** A stanza name: one line, no `]` (it would end the name). */
function stanzaName(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/[[\]]/g, (c) => (c === '[' ? '(' : ')')).trim();
}

/** The file's head: the schedule and the trigger every stanza shares, in `[default]`. */
export function savedSearchesHeader(schedule: SavedSearchSchedule): string {
  const { cron, minutes } = cronOf(schedule.every);
  const lag = schedule.lagMinutes;
  return [
    '# Splunk savedsearches.conf written by sigmatch convert --target splunk --format savedsearches.',
    `# Each search runs every ${schedule.every} over the ${schedule.every} that ended ${lag} minutes ago (indexing delay), so`,
    '# consecutive runs cover time without a gap or an overlap; it alerts when it finds any event.',
    '[default]',
    'enableSched = 1',
    `cron_schedule = ${cron}`,
    `dispatch.earliest_time = -${minutes + lag}m@m`,
    `dispatch.latest_time = -${lag}m@m`,
    'counttype = number of events',
    'relation = greater than',
    'quantity = 0',
    'alert.track = 1',
    'alert.digest_mode = 1',
    'alert.suppress = 0',
    '',
  ].join('\n');
}

/**
 * One converted rule as a stanza: its search, description, severity from its level. A rule that only feeds a
 * correlation (referenced with generate: false) raises no alert of its own in a hunt, so here it is saved with
 * its schedule off (`enableSched = 0`): there to run or reference, never an alert of its own.
 */
export function savedSearchStanza(rule: SigmaRule, query: string, name: string, options: { readonly correlationInput?: boolean } = {}): string {
  const input = options.correlationInput === true;
  const description = [rule.description?.trim() ?? rule.title, `Sigma rule ${rule.id ?? rule.title} (${rule.file}), converted by sigmatch.`, ...(input ? ['Input of a correlation (generate: false): saved, not scheduled.'] : [])].join(' ').replace(/\s+/g, ' ').replace(/\\+$/, '');
  return [
    `[${name}]`,
    `description = ${description}`,
    ...(input ? ['enableSched = 0'] : []),
    `alert.severity = ${SEVERITY[rule.level ?? 'medium'] ?? 4}`,
    `search = ${confValue(query)}`,
    '',
  ].join('\n');
}

/**
 * A converted correlation as a stanza. Its search returns one row per firing; a run reads its schedule's range and
 * one timespan before it (`dispatch.earliest_time` moved back by the timespan, in whole minutes), so a window that
 * ends in the range has all of its events, and keeps the firings whose window ends in its own schedule
 * (`addinfo`'s info_max_time is the range's end): the run before had the earlier ones. A correlation that only feeds
 * another (generate: false) is saved with its schedule off.
 */
export function savedCorrelationStanza(c: SigmaCorrelation, query: string, name: string, schedule: SavedSearchSchedule, options: { readonly correlationInput?: boolean } = {}): string {
  const { minutes } = cronOf(schedule.every);
  const input = options.correlationInput === true;
  const recent = `${query}\n| addinfo\n| where window_end_ms > (info_max_time - ${minutes * 60}) * 1000 AND window_end_ms <= info_max_time * 1000\n| fields - info_*`;
  const description = [c.description?.trim() ?? c.title, `Sigma correlation ${c.id ?? c.title} (${c.file}, ${c.type} over ${c.timespan} s), converted by sigmatch.`, ...(input ? ['Input of a correlation (generate: false): saved, not scheduled.'] : [])].join(' ').replace(/\s+/g, ' ').replace(/\\+$/, '');
  return [
    `[${name}]`,
    `description = ${description}`,
    ...(input ? ['enableSched = 0'] : []),
    `dispatch.earliest_time = -${minutes + schedule.lagMinutes + Math.ceil(c.timespan / 60)}m@m`,
    `alert.severity = ${SEVERITY[c.level ?? 'medium'] ?? 4}`,
    `search = ${confValue(recent)}`,
    '',
  ].join('\n');
}

/** Stanza names, unique within one file: the rule's title, then ` (2)`, ` (3)`... for a title met again. */
export function stanzaNames(): (rule: { readonly title: string; readonly id?: string | undefined }) => string {
  const seen = new Map<string, number>();
  return (rule) => {
    const base = stanzaName(rule.title) || (rule.id ?? 'sigma rule');
    const key = base.toLowerCase();
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    return n === 1 ? base : `${base} (${n})`;
  };
}
