import type { Alert } from '../engine/alert.js';

const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
const top = (m: ReadonlyMap<string, number>, n: number) => [...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, n);

/** Counts alerts by rule, host and image: where a site's noise comes from. */
export class NoiseReport {
  total = 0;
  readonly byRule = new Map<string, number>();
  readonly byHost = new Map<string, number>();
  readonly byImage = new Map<string, number>();
  private readonly ruleHosts = new Map<string, Set<string>>();

  add(alert: Alert): void {
    this.total++;
    const f = alert.event.fields;
    const rule = `${alert.rule.title}${alert.rule.id !== undefined ? ` (${alert.rule.id})` : ''}`;
    const host = String(f['Computer'] ?? '?');
    bump(this.byRule, rule);
    bump(this.byHost, host);
    bump(this.byImage, String(f['Image'] ?? alert.process?.image ?? '?'));
    let hosts = this.ruleHosts.get(rule);
    if (hosts === undefined) this.ruleHosts.set(rule, (hosts = new Set()));
    hosts.add(host.toLowerCase());
  }

  /** The noisiest rules, hosts and images, n of each, as text lines. */
  render(n: number): string[] {
    const pct = (k: number) => `${((100 * k) / Math.max(1, this.total)).toFixed(1)}%`;
    const lines = [`Noisiest rules (of ${this.byRule.size}):`];
    for (const [r, k] of top(this.byRule, n)) lines.push(`  ${String(k).padStart(7)}  ${pct(k).padStart(6)}  ${r}, ${this.ruleHosts.get(r)?.size ?? 0} host${this.ruleHosts.get(r)?.size === 1 ? '' : 's'}`);
    lines.push(`Noisiest hosts (of ${this.byHost.size}):`);
    for (const [h, k] of top(this.byHost, n)) lines.push(`  ${String(k).padStart(7)}  ${pct(k).padStart(6)}  ${h}`);
    lines.push(`Noisiest images (of ${this.byImage.size}):`);
    for (const [i, k] of top(this.byImage, n)) lines.push(`  ${String(k).padStart(7)}  ${pct(k).padStart(6)}  ${i}`);
    return lines;
  }
}
