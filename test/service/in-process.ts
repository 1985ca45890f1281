import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RuleSet } from '../../src/engine/rule-set.js';
import { resolveWindowsLogsource } from '../../src/pipeline/windows-logsources.js';
import { loadRules } from '../../src/rule/load-rules.js';
import { DEFAULT_CONFIG, type ServiceConfig } from '../../src/service/service-config.js';
import { startService, type RunningService } from '../../src/service/start-service.js';

export interface TestService {
  readonly service: RunningService;
  readonly url: string;
  readonly dir: string;
  readonly errors: string[];
  /** Resolves once detection has processed everything journaled. */
  caughtUp(): Promise<void>;
  close(): Promise<void>;
}

/** The service in this process on a free loopback port, with the given rule files and folders. */
export async function startTestService(rules: string[], config: Partial<ServiceConfig> = {}): Promise<TestService> {
  const dir = mkdtempSync(join(tmpdir(), 'sigmatch-service-'));
  const collection = loadRules(rules);
  const ruleSet = RuleSet.compile(collection.rules, { filters: collection.filters, logsource: resolveWindowsLogsource });
  const errors: string[] = [];
  const service = await startService({ ...DEFAULT_CONFIG, listen: { host: '127.0.0.1', port: 0 }, dataDir: dir, ...config }, ruleSet, { loaded: ruleSet.rules.length, errors: [] }, { error: (m) => errors.push(m) });
  return {
    service,
    url: `http://127.0.0.1:${service.address.port}`,
    dir,
    errors,
    async caughtUp() {
      for (let i = 0; i < 1000 && service.journal.backlog > 0; i++) await new Promise((r) => setTimeout(r, 10));
      if (service.journal.backlog > 0) throw new Error('detection did not catch up');
    },
    async close() {
      await service.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface HostAlert {
  readonly rule: { readonly id: string };
  readonly process: { readonly command_line?: string };
}

/** The alerts stored for a host once detection has caught up, through the API. */
export async function hostAlerts(svc: TestService, host: string): Promise<HostAlert[]> {
  await svc.caughtUp();
  const res = await fetch(`${svc.url}/api/alerts?host=${encodeURIComponent(host)}`);
  return ((await res.json()) as { alerts: HostAlert[] }).alerts;
}
