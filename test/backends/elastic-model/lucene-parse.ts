/**
 * A parser for exactly the query_string subset the Lucene target emits, read as Lucene's classic query parser reads
 * it. Anything else (a bare word where a field is expected, mixed AND / OR in one group, an unknown operator) is a
 * parse error, never a guess.
 */
export type LuceneClause =
  | { readonly kind: 'group'; readonly op: 'AND' | 'OR'; readonly clauses: ReadonlyArray<{ readonly not: boolean; readonly clause: LuceneClause }> }
  | { readonly kind: 'all' }
  | { readonly kind: 'exists'; readonly field: string }
  | { readonly kind: 'term'; readonly field: string; readonly text: string; readonly quoted: boolean }
  | { readonly kind: 'regex'; readonly field: string; readonly regex: string }
  | { readonly kind: 'range'; readonly field: string; readonly op: '>' | '>=' | '<' | '<='; readonly value: number };

export function parseLucene(text: string): LuceneClause {
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`lucene model: ${why} at ${i}: ${JSON.stringify(text.slice(i, i + 40))}`);
  };
  const space = () => {
    while (i < text.length && /\s/.test(text[i] as string)) i++;
  };
  const word = (w: string) => {
    space();
    if (text.startsWith(w, i) && /[\s()]/.test(text[i + w.length] ?? ' ')) {
      i += w.length;
      return true;
    }
    return false;
  };
  const name = (): string => {
    let out = '';
    while (i < text.length) {
      const c = text[i] as string;
      if (c === '\\') {
        out += text[i + 1] ?? fail('a trailing backslash');
        i += 2;
      } else if (/[A-Za-z0-9_.]/.test(c)) {
        out += c;
        i++;
      } else break;
    }
    if (out === '') fail('a field name expected');
    return out;
  };
  const quoted = (): string => {
    i++;
    let out = '';
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') i++;
      out += text[i] ?? fail('an unclosed phrase');
      i++;
    }
    if (text[i] !== '"') fail('an unclosed phrase');
    i++;
    return out;
  };
  const regex = (): string => {
    // The classic parser's token is the longest /( [^/] | \/ )*/: it ends at the first slash without a backslash
    // before it, or, when every later slash has one, at the last slash. The text between goes to RegExp as it is.
    const start = i + 1;
    let end = -1;
    for (let k = start; k < text.length; k++) {
      if (text[k] !== '/') continue;
      end = k;
      if (text[k - 1] !== '\\' || k - 1 < start) break;
    }
    if (end < 0) fail('an unclosed regex');
    i = end + 1;
    return text.slice(start, end);
  };
  const clause = (): LuceneClause => {
    space();
    if (text[i] === '(') {
      i++;
      const g = group();
      space();
      if (text[i] !== ')') fail("')' expected");
      i++;
      return g;
    }
    if (text.startsWith('*:*', i)) {
      i += 3;
      return { kind: 'all' };
    }
    if (text.startsWith('_exists_:', i)) {
      i += 9;
      return { kind: 'exists', field: name() };
    }
    const field = name();
    if (text[i] !== ':') fail("':' expected after a field name");
    i++;
    const c = text[i];
    if (c === '"') return { kind: 'term', field, text: quoted(), quoted: true };
    if (c === '/') return { kind: 'regex', field, regex: regex() };
    if (c === '>' || c === '<') {
      const m = /^([<>]=?)(\\?-?[0-9]+)/.exec(text.slice(i));
      if (m === null) fail('a range bound expected');
      i += (m as RegExpExecArray)[0].length;
      return { kind: 'range', field, op: (m as RegExpExecArray)[1] as '>' | '>=' | '<' | '<=', value: Number(((m as RegExpExecArray)[2] as string).replace('\\', '')) };
    }
    const m = /^[a-z]+(?=[\s()]|$)/.exec(text.slice(i));
    if (m === null) fail('a value expected');
    i += (m as RegExpExecArray)[0].length;
    return { kind: 'term', field, text: (m as RegExpExecArray)[0], quoted: false };
  };
  const item = () => {
    const not = word('NOT');
    return { not, clause: clause() };
  };
  const group = (): LuceneClause => {
    const clauses = [item()];
    let op: 'AND' | 'OR' | undefined;
    for (;;) {
      space();
      const next = word('AND') ? 'AND' : word('OR') ? 'OR' : undefined;
      if (next === undefined) break;
      if (op !== undefined && op !== next) fail('AND and OR mixed in one group (Lucene precedence is not what it reads as)');
      op = next;
      clauses.push(item());
    }
    if (op === undefined && clauses.length === 1 && !(clauses[0] as { not: boolean }).not) return (clauses[0] as { clause: LuceneClause }).clause;
    return { kind: 'group', op: op ?? 'AND', clauses };
  };
  const q = group();
  space();
  if (i < text.length) fail('text after the query');
  return q;
}
