import type { Alert } from '../engine/alert.js';
import { alertSummary } from './alert-fields.js';

const COLORS: Record<string, string> = { critical: '\x1b[1;35m', high: '\x1b[31m', medium: '\x1b[33m', low: '\x1b[36m', informational: '\x1b[2m' };

/** One line per alert: time, host, level, rule, utility, destination ip:port (domain), parent → command line. */
export function alertToLine(a: Alert, color: boolean): string {
  const s = alertSummary(a);
  const dest = s.destinationIp === '' ? '' : ` → ${s.destinationIp.includes(':') ? `[${s.destinationIp}]` : s.destinationIp}${s.destinationPort !== '' ? `:${s.destinationPort}` : ''}${s.domain !== '' ? ` (${s.domain})` : ''}`;
  const story = a.process !== undefined ? `  ${s.parentImage.split(/[\\/]/).pop() ?? ''} → ${s.commandLine}` : a.processMissing === true ? '  (no process creation event found)' : s.commandLine !== '' ? `  ${s.commandLine}` : '';
  const level = s.level.toUpperCase().padEnd(8);
  const line = `${s.time}  ${s.host}  ${level} ${s.rule}  [${s.utility}]${dest}${story}`;
  return color ? `${COLORS[s.level] ?? ''}${line}\x1b[0m` : line;
}
