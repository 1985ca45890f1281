import type { Event } from '../event/event.js';

/** A problem found while reading an input, with its place: byte offset and chunk for EVTX, line:column for text. */
export interface InputProblem {
  readonly code: string;
  readonly severity: 'error' | 'warning';
  readonly message: string;
  readonly file: string;
  readonly offset?: number;
  readonly chunk?: number;
  readonly record?: number;
  readonly line?: number;
  readonly column?: number;
}

export type InputItem =
  /** `xml` renders the event's own XML, for EVTX and XML inputs. */
  | { readonly kind: 'event'; readonly event: Event; readonly xml?: () => string } | { readonly kind: 'problem'; readonly problem: InputProblem };

/** "file:line:col" or "file @offset chunk N record R" for a problem. */
export function formatInputProblem(p: InputProblem): string {
  const where =
    p.line !== undefined
      ? `${p.file}:${p.line}${p.column !== undefined ? `:${p.column}` : ''}`
      : `${p.file} @ byte ${p.offset ?? 0}${p.chunk !== undefined && p.chunk >= 0 ? `, chunk ${p.chunk}` : ''}${p.record !== undefined ? `, record ${p.record}` : ''}`;
  return `${where}: ${p.severity} ${p.code}: ${p.message}`;
}
