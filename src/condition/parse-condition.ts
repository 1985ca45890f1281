import type { ConditionNode, ConditionSpan } from './ast.js';
import { lexCondition, type Token, type TokenKind } from './lex-condition.js';

export interface ConditionError {
  readonly code: 'condition-syntax' | 'condition-aggregation';
  readonly message: string;
  readonly span: ConditionSpan;
}

/**
 * Parses a condition string. Precedence, loosest first: or < and < not < "x of" < parentheses.
 * The obsolete `| count() ...` aggregation syntax is rejected with a pointer to correlation rules.
 */
export function parseCondition(text: string): ConditionNode | ConditionError {
  const pipe = text.indexOf('|');
  if (pipe >= 0) {
    return {
      code: 'condition-aggregation',
      message:
        "the '| count() ...' / 'near' aggregation syntax was removed from Sigma; write a correlation rule (type event_count, value_count, temporal) instead",
      span: { start: pipe, end: text.length },
    };
  }
  const tokens = lexCondition(text);
  if (!Array.isArray(tokens)) return { code: 'condition-syntax', ...tokens };
  const p = new Parser(tokens);
  try {
    const node = p.parseOr();
    p.expect('end', 'end of condition');
    return node;
  } catch (e) {
    if (e instanceof SyntaxFailure) return { code: 'condition-syntax', message: e.message, span: e.span };
    throw e;
  }
}

class SyntaxFailure extends Error {
  constructor(
    message: string,
    readonly span: ConditionSpan,
  ) {
    super(message);
  }
}

class Parser {
  private pos = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  private peek(): Token {
    return this.tokens[this.pos] as Token;
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'end') this.pos++;
    return t;
  }

  expect(kind: TokenKind, what: string): Token {
    const t = this.peek();
    if (t.kind !== kind) throw new SyntaxFailure(`expected ${what}, found ${describe(t)}`, t.span);
    return this.next();
  }

  parseOr(): ConditionNode {
    const operands = [this.parseAnd()];
    while (this.peek().kind === 'or') {
      this.next();
      operands.push(this.parseAnd());
    }
    return operands.length === 1 ? (operands[0] as ConditionNode) : { kind: 'or', operands, span: cover(operands) };
  }

  private parseAnd(): ConditionNode {
    const operands = [this.parseNot()];
    while (this.peek().kind === 'and') {
      this.next();
      operands.push(this.parseNot());
    }
    return operands.length === 1 ? (operands[0] as ConditionNode) : { kind: 'and', operands, span: cover(operands) };
  }

  private parseNot(): ConditionNode {
    const t = this.peek();
    if (t.kind === 'not') {
      this.next();
      const operand = this.parseNot();
      return { kind: 'not', operand, span: { start: t.span.start, end: operand.span.end } };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): ConditionNode {
    const t = this.next();
    switch (t.kind) {
      case 'lparen': {
        const inner = this.parseOr();
        const close = this.expect('rparen', "')'");
        return { ...inner, span: { start: t.span.start, end: close.span.end } };
      }
      case 'one':
      case 'all': {
        this.expect('of', "'of' after '" + t.text + "'");
        const target = this.next();
        if (target.kind === 'them') {
          return { kind: 'selector', quantifier: t.kind, pattern: null, span: { start: t.span.start, end: target.span.end } };
        }
        if (target.kind !== 'word') {
          throw new SyntaxFailure(`expected an identifier pattern or 'them' after 'of', found ${describe(target)}`, target.span);
        }
        return { kind: 'selector', quantifier: t.kind, pattern: target.text, span: { start: t.span.start, end: target.span.end } };
      }
      case 'word':
        if (t.text.includes('*')) {
          throw new SyntaxFailure(`a pattern like '${t.text}' needs '1 of' or 'all of' before it`, t.span);
        }
        return { kind: 'identifier', name: t.text, span: t.span };
      case 'end':
        throw new SyntaxFailure('condition ends where an identifier or expression was expected', t.span);
      default:
        throw new SyntaxFailure(`expected an identifier or expression, found ${describe(t)}`, t.span);
    }
  }
}

function describe(t: Token): string {
  return t.kind === 'end' ? 'end of condition' : `'${t.text}'`;
}

function cover(nodes: readonly ConditionNode[]): ConditionSpan {
  return { start: (nodes[0] as ConditionNode).span.start, end: (nodes[nodes.length - 1] as ConditionNode).span.end };
}
