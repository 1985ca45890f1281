import type { ConditionSpan } from './ast.js';

export type TokenKind = 'lparen' | 'rparen' | 'and' | 'or' | 'not' | 'of' | 'one' | 'all' | 'them' | 'word' | 'end';

export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly span: ConditionSpan;
}

export interface LexError {
  readonly message: string;
  readonly span: ConditionSpan;
}

const KEYWORDS: Record<string, TokenKind> = {
  and: 'and',
  or: 'or',
  not: 'not',
  of: 'of',
  '1': 'one',
  any: 'one',
  all: 'all',
  them: 'them',
};

const WORD_CHAR = /[A-Za-z0-9_\-*.]/;

/** Splits a condition into tokens; keywords only as whole words, so `not_filter` is an identifier. */
export function lexCondition(text: string): Token[] | LexError {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === '(' || ch === ')') {
      tokens.push({ kind: ch === '(' ? 'lparen' : 'rparen', text: ch, span: { start: i, end: i + 1 } });
      i++;
      continue;
    }
    if (WORD_CHAR.test(ch)) {
      const start = i;
      while (i < text.length && WORD_CHAR.test(text[i] as string)) i++;
      const word = text.slice(start, i);
      tokens.push({ kind: KEYWORDS[word] ?? 'word', text: word, span: { start, end: i } });
      continue;
    }
    return { message: `unexpected character '${ch}' in condition`, span: { start: i, end: i + 1 } };
  }
  tokens.push({ kind: 'end', text: '', span: { start: text.length, end: text.length } });
  return tokens;
}
