import { isCorrelationAlert, type Alert, type AnyAlert, type CorrelationAlert } from '../engine/alert.js';
import { alertSummary } from './alert-fields.js';
import { correlationSummary } from './correlation-fields.js';

const COLORS: Record<string, string> = { critical: '\x1b[1;35m', high: '\x1b[31m', medium: '\x1b[33m', low: '\x1b[36m', informational: '\x1b[2m' };

/** Contributor lines shown under a correlation alert in the table (JSONL carries up to 50). */
const TABLE_CONTRIBUTORS = 10;

/** One line per alert: time, host, level, rule, utility, destination ip:port (domain), parent → command line. */
export function alertToLine(a: AnyAlert, color: boolean): string {
  if (isCorrelationAlert(a)) return correlationToLines(a, color, '');
  const s = alertSummary(a);
  const level = s.level.toUpperCase().padEnd(8);
  if (a.suppressedBy !== undefined) {
    // --show-suppressed: marked, and never in an alert's colour.
    const line = `${s.time}  ${s.host}  SUPPRESSED ${s.rule}  ${eventStory(a)}  (by ${a.suppressedBy.map((f) => f.title).join('; ')})${repeatNote(a)}`;
    return color ? `\x1b[2m${line}\x1b[0m` : line;
  }
  const line = `${s.time}  ${s.host}  ${level} ${s.rule}  ${eventStory(a)}${repeatNote(a)}`;
  return color ? `${COLORS[s.level] ?? ''}${line}\x1b[0m` : line;
}

/** With --group-window, how many alerts a line stands for and the last one's time (nothing for a single alert). */
function repeatNote(a: Alert): string {
  const r = a.repeat;
  return r === undefined || r.count < 2 ? '' : `  ×${r.count} until ${new Date(r.last).toISOString()}`;
}

/** The part of an event alert's line after its rule: utility, destination, parent → command line. */
function eventStory(a: Alert): string {
  const s = alertSummary(a);
  const dest = s.destinationIp === '' ? '' : ` → ${s.destinationIp.includes(':') ? `[${s.destinationIp}]` : s.destinationIp}${s.destinationPort !== '' ? `:${s.destinationPort}` : ''}${s.domain !== '' ? ` (${s.domain})` : ''}`;
  const story = a.process !== undefined ? `  ${s.parentImage.split(/[\\/]/).pop() ?? ''} → ${s.commandLine}` : a.processMissing === true ? '  (no process creation event found)' : s.commandLine !== '' ? `  ${s.commandLine}` : '';
  return `[${s.utility}]${dest}${story}`;
}

/**
 * A correlation alert: its line (time of the last item, host, level, title, type, group, aggregate against the
 * condition, the span of its events), then one indented line per contributor.
 */
function correlationToLines(a: CorrelationAlert, color: boolean, indent: string): string {
  const s = correlationSummary(a);
  const head = `${indent}${s.time}  ${s.host}  ${s.level.toUpperCase().padEnd(8)} ${s.rule}  [${s.type}${s.group !== '' ? ` ${s.group}` : ''}] ${s.aggregateName}=${s.aggregate} (${s.condition}), ${s.contributors} item${s.contributors === 1 ? '' : 's'} from ${s.first}`;
  const lines = [color ? `${COLORS[s.level] ?? ''}${head}\x1b[0m` : head];
  for (const c of a.contributors.slice(0, TABLE_CONTRIBUTORS)) {
    if (c.kind === 'correlation') lines.push(correlationToLines(c.alert, false, `${indent}    ↳ `));
    else {
      const e = alertSummary(c.alert);
      lines.push(`${indent}    ↳ ${e.time}  ${e.rule}  ${eventStory(c.alert)}`);
    }
  }
  if (a.contributorCount > TABLE_CONTRIBUTORS) lines.push(`${indent}    ↳ ... ${a.contributorCount - Math.min(TABLE_CONTRIBUTORS, a.contributors.length)} more`);
  return lines.join('\n');
}
