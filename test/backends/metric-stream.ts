import { rng } from '../../bench/generate-corpus.js';
import type { WriterEvent } from '../../src/formats/evtx/write-evtx.js';
import { correlationStream } from '../engine/correlation-stream.js';

/** The rules the metric stream is made for: value_sum, value_avg, value_percentile, value_median (and a chain). */
export const CORRELATION_METRICS = 'test/backends/fixtures/correlation-metrics.yml';

/**
 * Bytes: numbers whose sums are exact in doubles (so every order of addition gives one sum) in each form of the
 * grammar, and texts that are no number. Score: numbers that do not add exactly (percentiles only interpolate), the
 * double range's edges among them.
 */
const NUMBER_FORMS = ['100', '250', '+40', '-30', '.5', '7.', '1e3', '25E1', '5e-1', '0.25', '00012', '-0', '1e-400', '2.5e+2', '-.75', '300'];
const NOT_NUMBERS = ['0x10', ' 12', '12 ', '', 'abc', '1_000', 'Infinity', 'NaN', '1e', '.', '+', '\u0661\u0662', '1,5', '5e0001', '1e400', '0b11', '-1.7976931348623159e308'];
const SCORES = ['0.1', '3.14159', '2.718281828459045', '1e-7', '9007199254740993', '123456789.123456789', '-2.5e-3', '42', '7', '1.5E2', '4.9e-324', '1.7976931348623157e308', '55.5', '8', '0.3'];

/** The correlation stream of `seed` with Bytes and Score on its connections (each absent now and then). */
export function metricStream(seed: number): WriterEvent[] {
  const r = rng(seed * 31 + 7);
  const pick = (xs: readonly string[]): string => xs[Math.floor(r() * xs.length)] as string;
  return correlationStream(seed).map((e) => {
    if (e.eventId !== 3) return e;
    const extra: Array<readonly [string, string]> = [];
    const b = r();
    if (b < 0.65) extra.push(['Bytes', pick(NUMBER_FORMS)]);
    else if (b < 0.9) extra.push(['Bytes', pick(NOT_NUMBERS)]);
    const s = r();
    if (s < 0.7) extra.push(['Score', pick(SCORES)]);
    else if (s < 0.85) extra.push(['Score', pick(NOT_NUMBERS)]);
    return { ...e, data: [...e.data, ...extra] };
  });
}
