import { describe, expect, test } from 'vitest';
import { RuleSet } from '../../src/engine/rule-set.js';
import { explain } from '../../src/engine/explain.js';
import { ev, load, ruleYaml } from '../helpers.js';

const text = ruleYaml(`selection:
    Image|endswith: '\\cmstp.exe'
    Initiated: 'true'
filter_main_local_ranges:
    DestinationIp|cidr:
        - '10.0.0.0/8'
        - '192.168.0.0/16'
condition: selection and not 1 of filter_main_*`);
const rule = RuleSet.compile(load(text).rules).rules[0]!;

describe('explain', () => {
  test('a match lists the detections and the values that matched', () => {
    const e = explain(rule, ev({ Image: 'C:\\Windows\\cmstp.exe', Initiated: 'true', DestinationIp: '8.8.8.8' }));
    expect(e.matched).toBe(true);
    expect(e.reason).toBeUndefined();
    const sel = e.detections.find((d) => d.name === 'selection')!;
    expect(sel.matched).toBe(true);
    expect(sel.items.map((i) => [i.field, i.matched, i.matchedValues, i.eventValue])).toEqual([
      ['Image', true, ['\\cmstp.exe'], 'C:\\Windows\\cmstp.exe'],
      ['Initiated', true, ['true'], 'true'],
    ]);
    expect(e.detections.find((d) => d.name === 'filter_main_local_ranges')!.matched).toBe(false);
  });

  test('a filtered event says which filter excluded it', () => {
    const e = explain(rule, ev({ Image: 'C:\\Windows\\cmstp.exe', Initiated: 'true', DestinationIp: '192.168.1.4' }));
    expect(e.matched).toBe(false);
    expect(e.reason).toContain('filter_main_local_ranges matched');
    const f = e.detections.find((d) => d.name === 'filter_main_local_ranges')!;
    expect(f.items[0]!.matchedValues).toEqual(['192.168.0.0/16']);
  });

  test('a non-match gives the first failing item', () => {
    const e = explain(rule, ev({ Image: 'C:\\Windows\\notepad.exe', Initiated: 'true', DestinationIp: '8.8.8.8' }));
    expect(e.matched).toBe(false);
    expect(e.reason).toMatch(/^selection: Image is "C:\\\\Windows\\\\notepad.exe", which does not match Image\|endswith/);
  });

  test('a missing field is named', () => {
    const e = explain(rule, ev({ Image: 'C:\\Windows\\cmstp.exe', DestinationIp: '8.8.8.8' }));
    expect(e.reason).toBe('selection: the event has no field Initiated');
  });
});
