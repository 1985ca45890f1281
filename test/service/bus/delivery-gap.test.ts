import { describe, expect, test } from 'vitest';
import { deliveryGap } from '../../../src/service/bus/partition-consumer.js';

describe('a partition consumer notices a delivery that never arrived', () => {
  test('contiguous deliveries, across batches and from a new consumer, are no gap', () => {
    expect(deliveryGap(undefined, [1, 2, 3])).toEqual({ next: 4 });
    expect(deliveryGap(4, [4, 5])).toEqual({ next: 6 });
    // A new consumer (after a takeover) may start anywhere.
    expect(deliveryGap(undefined, [17, 18])).toEqual({ next: 19 });
    expect(deliveryGap(6, [])).toEqual({ next: 6 });
  });
  test('a skipped number is the missed delivery, inside a batch or between two', () => {
    expect(deliveryGap(undefined, [1, 2, 4, 5])).toEqual({ missed: 3, next: 6 });
    expect(deliveryGap(6, [8, 9])).toEqual({ missed: 6, next: 10 });
    expect(deliveryGap(6, [6, 7, 9, 11])).toEqual({ missed: 8, next: 12 });
  });
});
