import type { StoryChunk } from '../src/engine/story/story-collector.js';
import type { Story, StoryAlert } from '../src/engine/story/story.js';

const LEVELS = ['critical', 'high', 'medium', 'low'] as const;

/**
 * `n` made-up alerts (50 hosts, 300 rules, one a second) with small stories, in the collector's chunks: a report
 * of any size without a hunt, for the page's browser test and the bench. Alert i runs `cmd.exe /c job-i` on host-(i % 50).
 */
export function syntheticChunks(n: number, chunkSize = 200): StoryChunk[] {
  const chunks: StoryChunk[] = [];
  for (let first = 0; first < n; first += chunkSize) {
    const alerts: StoryAlert[] = [];
    for (let i = first; i < Math.min(n, first + chunkSize); i++) {
      alerts.push({ kind: 'event', at: Date.UTC(2026, 0, 1) + i * 1000, host: `host-${i % 50}`, rule: `Rule ${i % 300}`, ruleId: '', level: LEVELS[i % 4] as string, tags: ['attack.execution', 'attack.t1059'], image: 'C:\\Windows\\System32\\cmd.exe', commandLine: `cmd.exe /c job-${i}` });
    }
    const stories: Story[] = alerts.map((alert) => ({ alert, processes: [], timeline: [], contributors: [], contributorCount: 0, limits: { truncated: false, cycles: [], missingParents: 0 } }));
    chunks.push({ first, subjects: alerts.map((alert) => ({ alert, hostKey: alert.host, contributors: [], contributorCount: 0 })), stories });
  }
  return chunks;
}
