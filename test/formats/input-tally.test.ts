import { describe, expect, test } from 'vitest';
import { failedInputsLine, huntExitCode, InputTally, listingLine } from '../../src/formats/input-tally.js';
import type { InputProblem } from '../../src/formats/input-item.js';

const problem = (file: string, code: string, severity: 'error' | 'warning' = 'error'): InputProblem => ({ code, severity, message: 'm', file });
const listing = (files: string[], extra: Partial<{ missing: string[]; problems: InputProblem[]; duplicates: Array<{ path: string; same: string }>; cycles: Array<{ path: string; target: string }> }> = {}) => ({
  files,
  missing: extra.missing ?? [],
  problems: extra.problems ?? [],
  duplicates: extra.duplicates ?? [],
  cycles: extra.cycles ?? [],
});

describe('the outcome of a hunt\'s inputs', () => {
  test('clean: every file gave events (warnings do not fail a file); exit 0 or 1 as before, no failure line', () => {
    const t = new InputTally(listing(['a', 'b']));
    t.event('a', 3);
    t.event('b');
    t.problem(problem('b', 'evtx-dirty', 'warning'));
    const o = t.outcome();
    expect(o).toMatchObject({ inputs: 2, failed: 0, partial: 0 });
    expect([huntExitCode(0, o), huntExitCode(2, o)]).toEqual([0, 1]);
    expect(failedInputsLine(o, 0)).toBeUndefined();
    expect(listingLine(o)).toBeUndefined();
  });

  test('some inputs failed: 4 without alerts, 5 with; a file with events and errors is partial, not failed', () => {
    const t = new InputTally(listing(['a', 'b', 'c'], { missing: ['gone'], duplicates: [{ path: 'a2', same: 'a' }], cycles: [{ path: 'l', target: '.' }] }));
    t.event('a', 10);
    t.problem(problem('a', 'json-syntax'));
    t.problem(problem('b', 'input-format'));
    t.event('c', 1);
    const o = t.outcome();
    expect(o).toMatchObject({ inputs: 4, failed: 2, partial: 1, duplicates: 1, cycles: 1 });
    expect([huntExitCode(0, o), huntExitCode(7, o)]).toEqual([4, 5]);
    expect(failedInputsLine(o, 0)).toBe('INCOMPLETE HUNT: 2 of 4 inputs could not be read (1 no event log format, 1 missing); their events were not hunted; exit code 4');
    expect(listingLine(o)).toBe('Inputs: 1 duplicate file skipped (a file reached by another path too), 1 folder loop not followed, 1 file read only in part (see the problems)');
  });

  test('every input failed: exit 66 whatever else, and the line says nothing was hunted', () => {
    const t = new InputTally(listing(['x.json', 'y.bin'], { problems: [problem('/dev/zero', 'input-not-file')] }));
    t.problem(problem('x.json', 'input-not-events'));
    t.problem(problem('y.bin', 'input-format'));
    const o = t.outcome();
    expect(o).toMatchObject({ inputs: 3, failed: 3 });
    expect(huntExitCode(0, o)).toBe(66);
    expect(failedInputsLine(o, 0)).toBe('NOTHING HUNTED: none of the 3 inputs could be read (1 no event log format, 1 no events in it, 1 no regular file); exit code 66');
  });
});
