import { attackOf, TACTICS } from '../../rule/attack-tags.js';

export { TACTICS };

/** Column for techniques whose rule names no tactic. */
export const NO_TACTIC = 'no tactic tag';

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
    const attack = attackOf(tags);
    const tactics = attack.tactics.map(([, , name]) => name);
    const techniques = attack.techniques;
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
