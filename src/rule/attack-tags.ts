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

const TACTIC_BY_TAG = new Map(TACTICS.map((t) => [t[0], t]));

/** A rule's ATT&CK tags, offline: its tactics (tag, id, name; underscores read as dashes) and technique ids (T1218.003). */
export function attackOf(tags: readonly string[]): { tactics: Array<readonly [tag: string, id: string, name: string]>; techniques: string[] } {
  const tactics: Array<readonly [string, string, string]> = [];
  const techniques: string[] = [];
  for (const raw of tags) {
    const t = raw.toLowerCase();
    if (!t.startsWith('attack.')) continue;
    const rest = t.slice(7);
    const tactic = TACTIC_BY_TAG.get(rest.replace(/_/g, '-'));
    if (tactic !== undefined) {
      if (!tactics.includes(tactic)) tactics.push(tactic);
    } else if (/^t\d{4}(\.\d{3})?$/.test(rest) && !techniques.includes(rest.toUpperCase())) techniques.push(rest.toUpperCase());
  }
  return { tactics, techniques };
}
