import shippedAssumptions from './assumptions.json';
import shippedPrices from './prices.json';
import { checkAssumptions, mergeAssumptions, setAssumption, setDuration } from './assumptions';
import { parseBytes, parseCount, parseFraction } from './quantity';
import { testAssumptions } from './testkit';
import type { Tier } from './types';

describe('assumptions', () => {
  it('ships a complete assumptions file with the shape the model reads', () => {
    const a = checkAssumptions(mergeAssumptions(shippedAssumptions, {}), testAssumptions());
    expect(a.functions.deviceApi.invocationMs).toBeGreaterThan(0);
    expect(a.router.recordsPerInvocation).toBeNull();
  });

  it('ships a price table whose tiers all end open and which names its sources and date', () => {
    const tiers: Tier[][] = [
      shippedPrices.apiGateway.http.perMillion,
      shippedPrices.apiGateway.websocket.messagesPerMillion,
      shippedPrices.lambda.gbSecond.arm64,
      shippedPrices.lambda.gbSecond.x86_64,
      shippedPrices.sqs.standardPerMillion,
      shippedPrices.sqs.fifoPerMillion,
      shippedPrices.cloudwatchLogs.lambdaIngestionPerGb,
      shippedPrices.awsIotCore.messagingPerMillion,
    ];
    for (const t of tiers) expect(t[t.length - 1]?.upTo).toBeNull();
    expect(shippedPrices.meta.readOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(shippedPrices.meta.disclaimer).toMatch(/stale/);
    expect(Object.keys(shippedPrices.meta.sources)).toEqual(
      expect.arrayContaining(['apiGateway', 'lambda', 'kinesis', 'dynamodb', 'sqs', 'cloudwatchLogs', 'azureIotHub', 'awsIotCore']),
    );
  });

  it('deep-merges overrides and rejects unknown keys', () => {
    const merged = mergeAssumptions(testAssumptions(), { functions: { router: { invocationMs: 42 } }, note: 'ignored' }) as ReturnType<
      typeof testAssumptions
    >;
    expect(merged.functions.router.invocationMs).toBe(42);
    expect(merged.functions.router.perItemMs).toBe(0.5);
    expect(merged.functions.deviceApi.invocationMs).toBe(10);
    expect(() => mergeAssumptions(testAssumptions(), { router: { batchSize: 1 } })).toThrow(/unknown assumption "router.batchSize"/);
  });

  it('sets single values and durations from flags', () => {
    let a: unknown = testAssumptions();
    a = setAssumption(a, 'router.routeMatchFraction=0.25');
    a = setAssumption(a, 'router.recordsPerInvocation=50');
    a = setAssumption(a, 'router.endpointFifo=true');
    a = setDuration(a, 'deviceApi=12.5');
    const checked = checkAssumptions(a, testAssumptions());
    expect(checked.router.routeMatchFraction).toBe(0.25);
    expect(checked.router.recordsPerInvocation).toBe(50);
    expect(checked.router.endpointFifo).toBe(true);
    expect(checked.functions.deviceApi.invocationMs).toBe(12.5);
    expect(() => setDuration(a, 'nope=3')).toThrow(/--duration/);
    expect(() => setAssumption(a, 'novalue')).toThrow(/path=value/);
  });

  it('rejects wrongly typed or negative values', () => {
    expect(() => checkAssumptions(setAssumption(testAssumptions(), 'peakToAverage="high"'), testAssumptions())).toThrow(/peakToAverage/);
    expect(() => checkAssumptions(setAssumption(testAssumptions(), 'c2d.feedbackFraction=-1'), testAssumptions())).toThrow(/>= 0/);
  });
});

describe('command-line quantities', () => {
  it('reads counts with separators, exponents and suffixes', () => {
    expect(parseCount('1000000', 'n')).toBe(1_000_000);
    expect(parseCount('1_000_000', 'n')).toBe(1_000_000);
    expect(parseCount('1e6', 'n')).toBe(1_000_000);
    expect(parseCount('1M', 'n')).toBe(1_000_000);
    expect(parseCount('10k', 'n')).toBe(10_000);
    expect(parseCount('2.5B', 'n')).toBe(2_500_000_000);
    expect(() => parseCount('lots', 'n')).toThrow(/--n/);
  });

  it('reads sizes in binary units', () => {
    expect(parseBytes('1024', 's')).toBe(1024);
    expect(parseBytes('1KB', 's')).toBe(1024);
    expect(parseBytes('4 KiB', 's')).toBe(4096);
    expect(parseBytes('0.5kb', 's')).toBe(512);
    expect(() => parseBytes('1 parsec', 's')).toThrow(/--s/);
  });

  it('reads fractions and percentages', () => {
    expect(parseFraction('0.25', 'f')).toBe(0.25);
    expect(parseFraction('40%', 'f')).toBe(0.4);
    expect(() => parseFraction('1.5', 'f')).toThrow(/0\.\.1/);
  });
});
