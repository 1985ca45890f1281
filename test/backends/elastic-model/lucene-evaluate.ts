import ipaddr from 'ipaddr.js';
import { IpValue, type DocValue, type EsDoc } from './ecs-docs.js';
import type { LuceneClause } from './lucene-parse.js';

/**
 * Lucene RegExp (the syntax Elasticsearch's regexp query takes, all optional operators on) as a JavaScript regex over
 * the whole value, for the subset we emit: `\` makes any character literal, `.` is any character (new lines too),
 * classes with ranges and `^`, groups, `|`, `* + ?` and `{n,m}`; a bare `&`, `~`, `@`, `#`, `<`, `>` or `"` is an
 * operator Lucene would apply, so it is an error here (never a literal), as are `\d`-style classes (Lucene 9 only).
 */
export function luceneRegexToJs(source: string): RegExp {
  let out = '';
  const lit = (ch: string) => (/[A-Za-z0-9]/.test(ch) ? ch : `\\u{${(ch.codePointAt(0) as number).toString(16)}}`);
  const chars = [...source];
  // An empty alternative (nothing between `(` or `|` and `|` or `)`): not in the subset we emit.
  let open = true;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    if ((c === '|' || c === ')') && open && !(c === ')' && chars[i - 1] === '(')) throw new Error('lucene model: an empty alternative in a regex');
    open = c === '(' || c === '|';
    if (c === '\\') {
      const n = chars[++i];
      if (n === undefined) throw new Error('lucene model: a regex ends with a backslash');
      if (/[A-Za-z]/.test(n)) throw new Error(`lucene model: \\${n} (a class in newer Lucene, a literal in older): not in the emitted subset`);
      out += lit(n);
      continue;
    }
    if (c === '[') {
      let body = '';
      let j = i + 1;
      if (chars[j] === '^') {
        body += '^';
        j++;
      }
      for (; j < chars.length && chars[j] !== ']'; j++) {
        const d = chars[j] as string;
        if (d === '\\') {
          const n = chars[++j];
          if (n === undefined || /[A-Za-z]/.test(n)) throw new Error('lucene model: an escape in a class outside the subset');
          body += lit(n);
        } else if (d === '-') body += '-';
        else if (d === '[') throw new Error('lucene model: a nested class');
        else body += lit(d);
      }
      if (chars[j] !== ']') throw new Error('lucene model: an unclosed class');
      out += `[${body}]`;
      i = j;
      continue;
    }
    if (c === '.') out += '[\\s\\S]';
    else if (c === '(') out += chars[i + 1] === ')' ? '(?:' : '(?:';
    else if ('|)*+?'.includes(c)) out += c;
    else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(chars.slice(i).join(''));
      if (m === null) throw new Error('lucene model: a bad repetition');
      out += m[0];
      i += m[0].length - 1;
    } else if ('&~@#<>"]}'.includes(c)) throw new Error(`lucene model: the bare operator '${c}' in a regex`);
    else out += lit(c);
  }
  if (open && chars.length > 0) throw new Error('lucene model: an empty alternative in a regex');
  return new RegExp(`^(?:${out})$`, 'u');
}

const regexCache = new Map<string, RegExp>();

function asIp(text: string): [ipaddr.IPv6, number] {
  const [net, bits] = text.includes('/') ? ipaddr.parseCIDR(text) : [ipaddr.parse(text), -1];
  const v6 = net.kind() === 'ipv4' ? (net as ipaddr.IPv4).toIPv4MappedAddress() : (net as ipaddr.IPv6);
  return [v6, bits < 0 ? 128 : net.kind() === 'ipv4' ? bits + 96 : bits];
}

function termMatches(value: DocValue, text: string): boolean {
  if (value instanceof IpValue) {
    const [net, bits] = asIp(text);
    return value.address.match(net, bits);
  }
  if (typeof value === 'number') {
    if (!/^-?[0-9]+$/.test(text)) throw new Error(`lucene model: a term '${text}' on a number field (Elasticsearch fails the query)`);
    return value === Number(text);
  }
  return value === text;
}

/** Whether the document matches: Lucene's boolean clauses (MUST, SHOULD, MUST_NOT) as the classic parser builds them. */
export function matches(q: LuceneClause, doc: EsDoc): boolean {
  switch (q.kind) {
    case 'all':
      return true;
    case 'exists':
      return (doc[q.field]?.length ?? 0) > 0;
    case 'term':
      return (doc[q.field] ?? []).some((v) => termMatches(v, q.text));
    case 'regex': {
      let re = regexCache.get(q.regex);
      if (re === undefined) {
        re = luceneRegexToJs(q.regex);
        regexCache.set(q.regex, re);
      }
      const r = re;
      return (doc[q.field] ?? []).some((v) => {
        if (typeof v !== 'string') throw new Error(`lucene model: a regex on the non-text field ${q.field}`);
        return r.test(v);
      });
    }
    case 'range':
      return (doc[q.field] ?? []).some((v) => {
        if (typeof v !== 'number') throw new Error(`lucene model: a range on the non-number field ${q.field}`);
        return q.op === '>' ? v > q.value : q.op === '>=' ? v >= q.value : q.op === '<' ? v < q.value : v <= q.value;
      });
    case 'group': {
      // AND: every clause is MUST (or MUST_NOT under NOT). OR: plain clauses are SHOULD, NOT ones still MUST_NOT.
      // A query of only MUST_NOT clauses matches nothing.
      const positive = q.clauses.filter((c) => !c.not);
      const negative = q.clauses.filter((c) => c.not);
      if (negative.some((c) => matches(c.clause, doc))) return false;
      if (positive.length === 0) return false;
      return q.op === 'AND' ? positive.every((c) => matches(c.clause, doc)) : positive.some((c) => matches(c.clause, doc));
    }
    default: {
      const never: never = q;
      return never;
    }
  }
}
