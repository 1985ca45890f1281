/** Where a diagnostic points: a file and a character range in its text. */
export interface Span {
  readonly file: string;
  readonly start: number;
  readonly end: number;
}

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  readonly span?: Span;
}

export function error(code: string, message: string, span?: Span): Diagnostic {
  return span === undefined ? { code, severity: 'error', message } : { code, severity: 'error', message, span };
}

export function warning(code: string, message: string, span?: Span): Diagnostic {
  return span === undefined ? { code, severity: 'warning', message } : { code, severity: 'warning', message, span };
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

export interface LineCol {
  readonly line: number;
  readonly column: number;
  readonly lineText: string;
}

/** 1-based line and column of a character offset, with the text of that line. */
export function lineColOf(text: string, offset: number): LineCol {
  const at = Math.max(0, Math.min(offset, text.length));
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < at; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  let lineEnd = text.indexOf('\n', lineStart);
  if (lineEnd < 0) lineEnd = text.length;
  const lineText = text.slice(lineStart, lineEnd).replace(/\r$/, '');
  return { line, column: at - lineStart + 1, lineText };
}

/**
 * Formats "file:line:col: severity CODE: message" followed by the offending line and a caret.
 * `sources` gives the text of each file so the position can be computed when printed.
 */
export function formatDiagnostic(d: Diagnostic, sources: ReadonlyMap<string, string>, withSource = true): string {
  if (d.span === undefined) return `${d.severity} ${d.code}: ${d.message}`;
  const text = sources.get(d.span.file);
  if (text === undefined) return `${d.span.file}: ${d.severity} ${d.code}: ${d.message}`;
  const pos = lineColOf(text, d.span.start);
  const head = `${d.span.file}:${pos.line}:${pos.column}: ${d.severity} ${d.code}: ${d.message}`;
  if (!withSource) return head;
  const width = Math.max(1, Math.min(d.span.end, d.span.start + pos.lineText.length - pos.column + 1) - d.span.start);
  const gutter = String(pos.line).padStart(5);
  return `${head}\n${gutter} | ${pos.lineText}\n${' '.repeat(gutter.length)} | ${' '.repeat(pos.column - 1)}${'^'.repeat(width)}`;
}
