import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { generateEvents } from '../../bench/generate-corpus.js';
import { compileRule } from '../../src/compile/compile-rule.js';
import { EventCache } from '../../src/compile/event-cache.js';
import { RuleSet } from '../../src/engine/rule-set.js';
import type { Event } from '../../src/event/event.js';
import { readEvtxBuffer } from '../../src/formats/evtx/read-evtx.js';
import { writeEvtxBuffer } from '../../src/formats/evtx/write-evtx.js';
import { normalizeWindowsEvent } from '../../src/pipeline/normalize-event.js';
import { resolveWindowsLogsource } from '../../src/pipeline/windows-logsources.js';
import { filterAsRule, filterTargetsRule } from '../../src/rule/apply-filters.js';
import { loadRules } from '../../src/rule/load-rules.js';
import { eventLoopTurn, load } from '../helpers.js';

/** Filters of every shape a site writes: exclusions (`not selection`), conditions without a leading `not`, `1 of`, scoped by rule and by logsource. */
const FILTERS = `title: Known good cmstp VPN profiles
logsource:
    product: windows
filter:
    rules: any
    selection:
        Image|endswith: '\\cmstp.exe'
        CommandLine|contains: '/s '
    condition: not selection
---
title: Only outside the lab subnet
logsource:
    category: network_connection
    product: windows
filter:
    rules: any
    lab:
        DestinationIp|cidr: '198.51.100.0/24'
    condition: not lab
---
title: Keep only alerts of users other than the admin, and not from the deploy share
logsource:
    product: windows
filter:
    rules: any
    admin:
        User|endswith: '\\admin'
    share:
        CommandLine|contains: '\\\\deploy\\'
    condition: not admin and not share
---
title: Not one of the vendor tools
logsource:
    product: windows
filter:
    rules: any
    tool_a:
        Image|endswith: '\\odbcconf.exe'
        ParentImage|endswith: '\\vendor-setup.exe'
    tool_b:
        Image|contains: '\\Debuggers\\'
    condition: not 1 of tool_*
---
title: Only the pack's cdb rule, a port
logsource:
    product: windows
filter:
    rules:
        - 86de11e8-17c8-5346-add9-448b2aaf1ce1
    selection:
        DestinationPort: 443
    condition: not selection
`;

describe('filter gates', () => {
  test('the indexed gate suppresses exactly where each filter, evaluated on its own, does', async () => {
    const collection = loadRules([resolve(__dirname, '../../rules')]);
    const filters = load(FILTERS).filters;
    expect(filters).toHaveLength(5);
    const set = RuleSet.compile(collection.rules, { logsource: resolveWindowsLogsource, filters });
    const holds = filters.map((f) => compileRule(filterAsRule(f)).compiled?.matcher);
    expect(holds.every((h) => h !== undefined)).toBe(true);
    const events: Event[] = [];
    for (const it of readEvtxBuffer(writeEvtxBuffer(generateEvents(6000, 11, { injectEvery: 40 })), 'g.evtx')) if (it.kind === 'record') events.push(normalizeWindowsEvent(it.event));
    let hits = 0;
    let suppressed = 0;
    for (const [n, e] of events.entries()) {
      if (n % 1000 === 0) await eventLoopTurn();
      const matched = set.match(e);
      for (const r of matched) {
        const i = set.rules.indexOf(r);
        const got = set.suppressedBy(i);
        const cache = new EventCache(e);
        const want = filters.flatMap((f, k) => (filterTargetsRule(f, r.rule) && holds[k]?.(cache) === false ? [k] : []));
        expect(got ?? []).toEqual(want);
        hits++;
        if (want.length > 0) suppressed++;
      }
    }
    // The check means something only if the corpus has both suppressed and standing alerts.
    expect(hits).toBeGreaterThan(50);
    expect(suppressed).toBeGreaterThan(0);
    expect(suppressed).toBeLessThan(hits);
  });
});
