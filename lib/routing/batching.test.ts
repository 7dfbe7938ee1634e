import fc from 'fast-check';
import { chunk, KINESIS_BATCH, SQS_BATCH } from './batching';

describe('batching', () => {
  it('makes SQS batches of at most 10 and Kinesis batches of at most 500', () => {
    const items = Array.from({ length: 1234 }, (_, i) => i);
    expect(chunk(items, SQS_BATCH, () => 1).map((b) => b.length)).toEqual([...Array(123).fill(10), 4]);
    expect(chunk(items, KINESIS_BATCH, () => 1).map((b) => b.length)).toEqual([500, 500, 234]);
  });

  it('respects the byte limit and lets an oversized item travel alone', () => {
    expect(chunk([4, 4, 4, 20, 1], { maxEntries: 10, maxBytes: 10 }, (n) => n)).toEqual([[4, 4], [4], [20], [1]]);
  });

  it('keeps every item once, in order, within both limits (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 300 }), fc.integer({ min: 1, max: 20 }), (sizes, maxEntries) => {
        const batches = chunk(sizes, { maxEntries, maxBytes: 60 }, (n) => n);
        expect(batches.flat()).toEqual(sizes);
        for (const b of batches) {
          expect(b.length).toBeGreaterThan(0);
          expect(b.length).toBeLessThanOrEqual(maxEntries);
          if (b.length > 1) expect(b.reduce((s, n) => s + n, 0)).toBeLessThanOrEqual(60);
        }
      }),
    );
  });
});
