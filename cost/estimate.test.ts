import { estimate } from './estimate';
import { renderReport } from './format';
import { testAssumptions, testPrices, testSettings, testTraffic } from './testkit';

describe('estimate', () => {
  const report = estimate(testTraffic(), testSettings(), testAssumptions(), testPrices());

  it('totals per service and per million messages', () => {
    // see price.test.ts: 59.31597 a month for 30 M messages → 1.97720 per million
    expect(report.totalUsd).toBeCloseTo(59.316, 2);
    expect(report.perMillionMessagesUsd).toBeCloseTo(1.9772, 3);
    // API Gateway 30.00; Kinesis 10.80 + 0.42 = 11.22
    expect(report.byService['API Gateway']).toBeCloseTo(30, 6);
    expect(report.byService.Kinesis).toBeCloseTo(11.22, 6);
    expect(report.byService.SQS).toBe(0);
  });

  it('prices the stream in the other capacity mode beside it', () => {
    // on-demand: 28.80 + 4.57764 + 4.57764 = 37.95528 instead of 11.22; the router then polls 4 shards
    expect(report.alternativeKinesis.mode).toBe('on-demand');
    expect(report.alternativeKinesis.kinesisUsd).toBeCloseTo(37.9553, 3);
    const onDemand = estimate(testTraffic(), testSettings(), testAssumptions(), testPrices(), { kinesisMode: 'on-demand' });
    expect(onDemand.byService.Kinesis).toBeCloseTo(37.9553, 3);
    expect(onDemand.alternativeKinesis.kinesisUsd).toBeCloseTo(11.22, 6);
  });

  it('puts Azure IoT Hub and AWS IoT Core beside it', () => {
    expect(report.peers.map((p) => p.name)).toEqual(['Azure IoT Hub', 'AWS IoT Core', 'AWS IoT Core (Basic Ingest)']);
    // HTTPS devices: IoT Core over HTTPS holds no connection (no connection minutes), see peers.test.ts.
    expect(report.peers.map((p) => Math.round(p.monthlyUsd * 100) / 100)).toEqual([75, 39, 9]);
  });

  it('warns when the configured shards cannot carry the peak, and about quotas', () => {
    // 1 B msgs/day of 1 KB: 11,574/s average, 23,148/s peak → 24 shards by records (43.2 MB/s → 42 by bytes)
    const big = estimate(
      testTraffic({ messagesPerDay: 1_000_000_000, devices: 1_000_000 }),
      testSettings(),
      testAssumptions(),
      testPrices(),
    );
    expect(big.usage.kinesis.requiredShards).toBe(42);
    expect(big.warnings.join('\n')).toMatch(/needs 42 shards at peak .* provisions 1: costed with 42/);
    // with the 1 configured shard, its 1,000 records/s bind first (23×); then 23,148 requests/s > 10,000 (2.3×)
    expect(big.quotas[0]?.quota).toMatch(/Kinesis write capacity/);
    expect(big.quotas[0]?.utilisation).toBeCloseTo(23.148, 3);
    expect(big.quotas[1]?.quota).toMatch(/API Gateway account throttle/);
    expect(big.warnings.join('\n')).toMatch(/over a default quota: API Gateway/);
  });

  it('says a peak that exactly meets a quota is at it, not over it', () => {
    // 432 M msgs/day = 5,000/s average, 10,000/s peak: the API Gateway account throttle exactly.
    const atLimit = estimate(
      testTraffic({ messagesPerDay: 432_000_000, devices: 100_000 }),
      testSettings(),
      testAssumptions(),
      testPrices(),
    );
    const gateway = atLimit.quotas.find((q) => /API Gateway account throttle/.test(q.quota));
    expect(gateway?.utilisation).toBeCloseTo(1, 9);
    const text = atLimit.warnings.join('\n');
    expect(text).toMatch(/at a default quota: API Gateway account throttle.*= the limit/);
    expect(text).not.toMatch(/over a default quota: API Gateway/);
  });

  it('rejects impossible traffic', () => {
    expect(() => estimate(testTraffic({ batchSize: 0 }), testSettings(), testAssumptions(), testPrices())).toThrow(/batch/);
    expect(() => estimate(testTraffic({ batchSize: 101 }), testSettings(), testAssumptions(), testPrices())).toThrow(/batch/);
    expect(() => estimate(testTraffic({ messageSizeBytes: 300 * 1024 }), testSettings(), testAssumptions(), testPrices())).toThrow(
      /256 KB/,
    );
    expect(() =>
      estimate(testTraffic({ batchSize: 100, messageSizeBytes: 4096 }), testSettings(), testAssumptions(), testPrices()),
    ).toThrow(/batch/);
    expect(() => estimate(testTraffic({ websocketFraction: 2 }), testSettings(), testAssumptions(), testPrices())).toThrow(/websocket/);
    expect(() => estimate(testTraffic({ devices: 0 }), testSettings(), testAssumptions(), testPrices())).toThrow(/device/);
  });

  it('splits the price into the fixed part, the per-message floor and the rest', () => {
    const f = report.floor;
    // 1 configured shard: 720 h × $0.015 = 10.80 whatever the traffic, with the scheduled sweeper and the routing reloads.
    expect(f.fixedItems.find((i) => i.item.startsWith('shard hours'))?.usd).toBeCloseTo(10.8, 6);
    expect(f.fixedItems.map((i) => i.item.split(' ')[0])).toEqual(['sweeper', 'sweeper', 'shard', 'C2D', 'routing']);
    expect(f.fixedPerMillionUsd).toBeCloseTo(f.fixedUsd / 30, 9); // 30 M messages
    // Through the HTTP API: $1.00 per million requests + Lambda's $0.20 + one 25 KB PUT unit ($0.014) per message.
    expect(f.floorItems.map((i) => i.item.split(' ')[0])).toEqual(['HTTP', 'deviceApi', 'PUT']);
    expect(f.perMessageFloorPerMillionUsd).toBeCloseTo(1 + 0.2 + 0.014, 9);
    expect(f.fixedPerMillionUsd + f.perMessageFloorPerMillionUsd + f.otherPerMillionUsd).toBeCloseTo(report.perMillionMessagesUsd, 9);
    // Through a function URL the HTTP API's fee leaves the floor.
    const url = estimate(testTraffic(), { ...testSettings(), deviceFrontDoor: 'functionUrl' }, testAssumptions(), testPrices());
    expect(url.floor.perMessageFloorPerMillionUsd).toBeCloseTo(0.2 + 0.014, 9);
  });

  it('counts only the configured shards as fixed: shards the peak needs beyond them scale with traffic', () => {
    const big = estimate(
      testTraffic({ messagesPerDay: 1_000_000_000, devices: 1_000_000 }),
      testSettings(),
      testAssumptions(),
      testPrices(),
    );
    const shards = big.lines.find((l) => l.item.startsWith('shard hours'));
    expect(shards?.monthlyUsd).toBeCloseTo(42 * 10.8, 6);
    expect(shards?.fixedUsd).toBeCloseTo(10.8, 6);
    const metrics = { ...testSettings(), logging: { ...testSettings().logging, metricsEnabled: true } };
    metrics.monitoring = { alarms: 2, alarmMetrics: 3, dashboards: 1, functions: 7 };
    const withMetrics = estimate(testTraffic(), metrics, testAssumptions(), testPrices());
    for (const item of ['custom metrics', 'alarms', 'dashboards'])
      expect(withMetrics.floor.fixedItems.some((i) => i.item.startsWith(item))).toBe(true);
  });

  it('renders a table with the totals, the fixed part and the floor, the peers and the price date', () => {
    const text = renderReport(report);
    expect(text).toMatch(/of the month: fixed part \(does not scale with traffic\)\s+\d+\.\d\d/);
    expect(text).toMatch(/per-message floor \(fees at any volume\)\s+1\.21\n/);
    expect(text).toMatch(/Fixed part, [\d.]+ USD\/month: shard hours 10\.80, /);
    expect(text).toMatch(
      /Per-message floor, 1\.21 per million: HTTP API requests 1\.000, deviceApi requests 0\.200, PUT payload units 0\.014\./,
    );
    expect(text).toMatch(/read 2026-11-26; may be stale/);
    expect(text).toMatch(/TOTAL\s+per month\s+59\.32/);
    expect(text).toMatch(/Azure IoT Hub\s+S1 × 3/);
    expect(text).toMatch(/AWS IoT Core \(Basic Ingest\)/);
  });
});
