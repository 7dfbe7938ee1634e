import { base64Bytes, effectiveRateText, meteredUnits, tieredCost } from './math';
import type { Tier } from './types';

const httpApi: Tier[] = [
  { upTo: 300_000_000, price: 1.0 },
  { upTo: null, price: 0.9 },
];

describe('tieredCost', () => {
  it('prices within the first tier linearly', () => {
    // 30,000,000 requests / 1,000,000 × $1.00 = $30.00
    expect(tieredCost(30_000_000, httpApi, 1_000_000)).toBeCloseTo(30, 10);
  });

  it('splits a quantity across tiers', () => {
    // 400 M HTTP API requests: 300 M × $1.00/M + 100 M × $0.90/M = $300 + $90 = $390
    expect(tieredCost(400_000_000, httpApi, 1_000_000)).toBeCloseTo(390, 10);
  });

  it('prices Lambda arm64 GB-seconds over three tiers', () => {
    const arm: Tier[] = [
      { upTo: 7_500_000_000, price: 0.0000133334 },
      { upTo: 18_750_000_000, price: 0.0000120001 },
      { upTo: null, price: 0.0000106667 },
    ];
    // 20 B GB-s: 7.5 B × 0.0000133334 = 100,000.50
    //          + 11.25 B × 0.0000120001 = 135,001.125
    //          + 1.25 B × 0.0000106667 = 13,333.375       → 248,335.00
    expect(tieredCost(20_000_000_000, arm, 1)).toBeCloseTo(248_335.0, 2);
  });

  it('prices CloudWatch Lambda log ingestion over four tiers (GB)', () => {
    const logs: Tier[] = [
      { upTo: 10_240, price: 0.5 },
      { upTo: 30_720, price: 0.25 },
      { upTo: 51_200, price: 0.1 },
      { upTo: null, price: 0.05 },
    ];
    // 60 TB = 61,440 GB: 10,240 × 0.50 + 20,480 × 0.25 + 20,480 × 0.10 + 10,240 × 0.05
    //                  = 5,120 + 5,120 + 2,048 + 512 = 12,800
    expect(tieredCost(61_440, logs)).toBeCloseTo(12_800, 6);
  });

  it('is zero for no usage and rejects tiers without an open end', () => {
    expect(tieredCost(0, httpApi, 1_000_000)).toBe(0);
    expect(() => tieredCost(10, [{ upTo: 5, price: 1 }])).toThrow(/open tier/);
  });
});

describe('metering helpers', () => {
  it('rounds payloads up to whole metering units, at least one', () => {
    expect(meteredUnits(33 * 1024, 32 * 1024)).toBe(2); // a 33 KB WebSocket message is two messages
    expect(meteredUnits(256 * 1024, 64 * 1024)).toBe(4); // a 256 KB SQS payload is four requests
    expect(meteredUnits(45 * 1024, 25 * 1024)).toBe(2); // a 45 KB record is two PUT payload units
    expect(meteredUnits(5 * 1024, 25 * 1024)).toBe(1);
    expect(meteredUnits(6 * 1024, 4 * 1024)).toBe(2); // a 6 KB IoT Hub message counts twice
    expect(meteredUnits(0, 4096)).toBe(1);
  });

  it('sizes base64', () => {
    // 1,024 bytes → ceil(1024 / 3) = 342 groups × 4 = 1,368 characters
    expect(base64Bytes(1024)).toBe(1368);
    expect(base64Bytes(3)).toBe(4);
  });

  it('describes tiered rates by their effective value', () => {
    // $390 for 400 M = $0.975/M, above the first tier
    expect(effectiveRateText(390, 400_000_000, 1_000_000, 'M', httpApi)).toBe('$0.975/M (tiered)');
    expect(effectiveRateText(30, 30_000_000, 1_000_000, 'M', httpApi)).toBe('$1.00/M');
  });
});
