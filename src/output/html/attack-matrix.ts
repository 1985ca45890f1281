/** The ATT&CK Enterprise tactics in kill-chain order, by the name Sigma tags use (`attack.defense-evasion`). */
export const TACTICS: ReadonlyArray<readonly [tag: string, id: string, name: string]> = [
  ['reconnaissance', 'TA0043', 'Reconnaissance'],
  ['resource-development', 'TA0042', 'Resource Development'],
  ['initial-access', 'TA0001', 'Initial Access'],
  ['execution', 'TA0002', 'Execution'],
  ['persistence', 'TA0003', 'Persistence'],
  ['privilege-escalation', 'TA0004', 'Privilege Escalation'],
  ['defense-evasion', 'TA0005', 'Defense Evasion'],
  ['credential-access', 'TA0006', 'Credential Access'],
  ['discovery', 'TA0007', 'Discovery'],
  ['lateral-movement', 'TA0008', 'Lateral Movement'],
  ['collection', 'TA0009', 'Collection'],
  ['command-and-control', 'TA0011', 'Command and Control'],
  ['exfiltration', 'TA0010', 'Exfiltration'],
  ['impact', 'TA0040', 'Impact'],
];

/** Column for techniques whose rule names no tactic. */
export const NO_TACTIC = 'no tactic tag';

const TACTIC_BY_TAG = new Map(TACTICS.map(([tag, , name]) => [tag, name]));

/** One cell: alerts of rules tagged with the tactic and the technique. */
export interface AttackCell {
  readonly tactic: string;
  readonly technique: string;
  readonly alerts: number;
}

/**
 * Counts alerts per tactic × technique from their rules' tags, offline: a rule's tactic tags (`attack.execution`,
 * underscores or dashes) name its columns, its technique tags (`attack.t1218.003`) its cells. A rule with
 * techniques and no tactic tag counts under NO_TACTIC rather than guessing a tactic.
 */
export class AttackMatrix {
  private readonly cells = new Map<string, number>();

  add(tags: readonly string[]): void {
    const tactics: string[] = [];
    const techniques: string[] = [];
    for (const raw of tags) {
      const t = raw.toLowerCase();
      if (!t.startsWith('attack.')) continue;
      const rest = t.slice(7);
      const tactic = TACTIC_BY_TAG.get(rest.replace(/_/g, '-'));
      if (tactic !== undefined) tactics.push(tactic);
      else if (/^t\d{4}(\.\d{3})?$/.test(rest)) techniques.push(rest.toUpperCase());
    }
    if (techniques.length === 0) return;
    for (const tactic of tactics.length > 0 ? tactics : [NO_TACTIC]) {
      for (const technique of techniques) {
        const key = `${tactic}\u0000${technique}`;
        this.cells.set(key, (this.cells.get(key) ?? 0) + 1);
      }
    }
  }

  /** Cells by tactic in kill-chain order (NO_TACTIC last), then technique. */
  result(): AttackCell[] {
    const order = new Map([...TACTICS.map(([, , name], i) => [name, i] as const), [NO_TACTIC, TACTICS.length] as const]);
    return [...this.cells]
      .map(([k, alerts]) => {
        const [tactic, technique] = k.split('\u0000') as [string, string];
        return { tactic, technique, alerts };
      })
      .sort((a, b) => (order.get(a.tactic) ?? 99) - (order.get(b.tactic) ?? 99) || (a.technique < b.technique ? -1 : a.technique > b.technique ? 1 : 0));
  }
}
