import type { ValueTest } from '../../compile/ir.js';
import { Refusal } from '../dialect.js';
import type { EcsField } from './ecs-fields.js';
import { cidrNetwork } from './lucene-dialect.js';

/** How an expression language (ES|QL, EQL) writes a column, a string and a network test. */
export interface TypedSyntax {
  readonly col: string;
  readonly str: (text: string) => string;
  readonly cidr: (col: string, network: string) => string;
}

/** Why Sysmon's User is refused where a query cannot join Winlogbeat's two halves again. */
export const USER_SPLIT =
  "User is DOMAIN\\name joined from two fields (Winlogbeat splits Sysmon's into user.domain and user.name; the engine builds 4688's from SubjectDomainName and SubjectUserName): only ES|QL joins them, with CONCAT";

const OPS = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

/**
 * A test on a field Winlogbeat typed (long, ip, network.direction) in an expression language: numbers compared as
 * numbers (decimal digits too: Winlogbeat read the digits Windows wrote), networks through the language's CIDR
 * function, Initiated as egress / ingress; anything else refused.
 */
export function typedTest(f: EcsField, t: ValueTest, s: TypedSyntax): string {
  switch (f.type) {
    case 'keyword':
      throw new Error(`typedTest: '${f.name}' is a keyword field`);
    case 'domain-user':
      throw new Refusal('convert-field', USER_SPLIT);
    case 'long':
      if (t.kind === 'numeq' && Number.isSafeInteger(t.value)) return `${s.col} == ${t.value}`;
      if (t.kind === 'compare' && Number.isSafeInteger(t.value)) return `${s.col} ${OPS[t.op]} ${t.value}`;
      if (t.kind === 'eq' && /^(0|[1-9][0-9]{0,15})$/.test(t.value)) return `${s.col} == ${t.value}`;
      throw new Refusal('convert-field-type', `'${f.name}' is a number field (long): only numbers and decimal digits are compared on it, not a ${t.kind} test`);
    case 'ip':
      if (t.kind === 'cidr') return s.cidr(s.col, s.str(cidrNetwork(t.cidr)));
      throw new Refusal('convert-field-type', `'${f.name}' is an ip field: only networks (|cidr) are tested on it; a ${t.kind} test on its text is not exact`);
    case 'direction': {
      const truth = t.kind === 'bool' ? t.value : t.kind === 'eq' && (t.value === 'true' || t.value === 'false') ? t.value === 'true' : undefined;
      if (truth === undefined) throw new Refusal('convert-field-type', `Sysmon's Initiated is ECS ${f.name} (egress or ingress): only true or false are tested`);
      return `${s.col} == ${s.str(truth ? 'egress' : 'ingress')}`;
    }
    default: {
      const never: never = f.type;
      return never;
    }
  }
}
