import { priceUsage } from './price';
import { testAssumptions, testPrices, testSettings, testTraffic } from './testkit';
import type { CostLine } from './types';
import { computeUsage } from './usage';

function line(lines: CostLine[], item: string | RegExp): CostLine {
  const found = lines.find((l) => (typeof item === 'string' ? l.item === item : item.test(l.item)));
  if (!found) throw new Error(`no line ${String(item)} in ${lines.map((l) => l.item).join(' | ')}`);
  return found;
}

describe('priceUsage: 1 M messages/day of 1 KB, batch 1, 10,000 devices (test prices, 720 h month)', () => {
  const lines = priceUsage(computeUsage(testTraffic(), testSettings(), testAssumptions(), testPrices()), testPrices());
  const usd = (item: string | RegExp) => line(lines, item).monthlyUsd;

  it('prices each dimension', () => {
    // API Gateway: 30,000,000 requests × $1.00/M                       = 30.0000
    expect(usd('HTTP API requests (512 KB units; device and service APIs)')).toBeCloseTo(30, 6);
    // Lambda deviceApi: 30 M × $0.20/M = 6.0000; 150,000 GB-s × $0.00001 = 1.5000
    expect(usd('deviceApi requests')).toBeCloseTo(6, 6);
    expect(usd(/^deviceApi duration/)).toBeCloseTo(1.5, 6);
    // router: 2,592,000 × $0.20/M = 0.5184; 20,460 GB-s × $0.00001 = 0.2046
    expect(usd('router requests')).toBeCloseTo(0.5184, 6);
    expect(usd(/^router duration/)).toBeCloseTo(0.2046, 6);
    // sweeper: 43,200 × $0.20/M = 0.00864; 2,160 GB-s × $0.00001 = 0.0216
    expect(usd('sweeper requests')).toBeCloseTo(0.00864, 8);
    expect(usd(/^sweeper duration/)).toBeCloseTo(0.0216, 8);
    // Kinesis: 1 shard × 720 h × $0.015 = 10.8000; 30 M PUT units × $0.014/M = 0.4200
    expect(usd(/^shard hours/)).toBeCloseTo(10.8, 6);
    expect(usd('PUT payload units (25 KB)')).toBeCloseTo(0.42, 6);
    // DynamoDB: 29,656,751 RRU × $0.125/M = 3.70709; 172,800 × $0.125/M = 0.0216; 21,600 × $0.125/M = 0.0027
    expect(usd(/^registry reads/)).toBeCloseTo(3.70709, 4);
    expect(usd('C2D sweeper reads')).toBeCloseTo(0.0216, 8);
    expect(usd('routing table reloads (every 60 s per router instance, 1 RRU each)')).toBeCloseTo(0.0054, 8);
    // storage: 10,000 × 700 B = 0.0065193 GB × $0.25 = 0.00162981
    expect(usd('storage (registry, connections)')).toBeCloseTo(0.00162981, 7);
    // CloudWatch Logs: 12.1576 GB × $0.50 = 6.07880; 1.01698 GB-month × $0.03 = 0.0305094
    expect(usd('Lambda log ingestion')).toBeCloseTo(6.0788, 4);
    expect(usd(/^log storage/)).toBeCloseTo(0.030509, 5);
  });

  it('adds up to the hand-computed total', () => {
    // 30 + 6 + 1.5 + 0.5184 + 0.2046 + 0.00864 + 0.0216 + 10.8 + 0.42 + 3.70709 + 0.0216 + 0.0027
    //    + 0.00162981 + 6.0788 + 0.0305094 = 59.31597
    const total = lines.reduce((s, l) => s + l.monthlyUsd, 0);
    expect(total).toBeCloseTo(59.316, 2);
  });

  it('leaves out dimensions with no usage', () => {
    expect(lines.some((l) => l.service === 'SQS')).toBe(false);
    expect(lines.some((l) => /WebSocket/.test(l.item))).toBe(false);
    expect(lines.some((l) => /point-in-time/.test(l.item))).toBe(false);
  });
});

describe('priceUsage: other modes', () => {
  it('prices an on-demand stream by stream-hours and GB', () => {
    // 720 h × $0.04 = 28.80; 57.2205 GB × $0.08 = 4.57764; 114.441 GB × $0.04 = 4.57764
    const lines = priceUsage(computeUsage(testTraffic(), testSettings(), testAssumptions(), testPrices(), 'on-demand'), testPrices());
    expect(line(lines, 'on-demand stream hours').monthlyUsd).toBeCloseTo(28.8, 6);
    expect(line(lines, /^on-demand data in/).monthlyUsd).toBeCloseTo(4.57764, 4);
    expect(line(lines, /^on-demand data out/).monthlyUsd).toBeCloseTo(4.57764, 4);
    expect(lines.some((l) => /shard hours/.test(l.item))).toBe(false);
  });

  it('prices WebSocket messages and connection minutes', () => {
    // 96,000,000 messages × $1.00/M = 96.00; 432,000,000 minutes × $0.25/M = 108.00
    const lines = priceUsage(
      computeUsage(testTraffic({ websocketFraction: 1 }), testSettings(), testAssumptions(), testPrices()),
      testPrices(),
    );
    expect(line(lines, /^WebSocket messages/).monthlyUsd).toBeCloseTo(96, 6);
    expect(line(lines, 'WebSocket connection minutes').monthlyUsd).toBeCloseTo(108, 6);
  });

  it('prices route sends as standard or FIFO requests', () => {
    // 15,552,000 requests × $0.40/M = 6.2208; FIFO × $0.50/M = 7.776
    const standard = priceUsage(computeUsage(testTraffic({ routes: 3 }), testSettings(), testAssumptions(), testPrices()), testPrices());
    expect(line(standard, /^route endpoint sends \(standard/).monthlyUsd).toBeCloseTo(6.2208, 4);
    const a = testAssumptions();
    a.router.endpointFifo = true;
    const fifo = priceUsage(computeUsage(testTraffic({ routes: 3 }), testSettings(), a, testPrices()), testPrices());
    expect(line(fifo, /^route endpoint sends \(FIFO/).monthlyUsd).toBeCloseTo(7.776, 4);
  });

  it('bills x86 functions at the x86 rate and PITR when enabled', () => {
    // deviceApi on x86 at 1,024 MB: 30 M × 0.010 s × 1 GB = 300,000 GB-s × $0.00002 = 6.00
    const s = testSettings();
    s.functions.deviceApi = { ...s.functions.deviceApi, memoryMb: 1024, architecture: 'x86_64' };
    s.devicesTablePitr = true;
    const lines = priceUsage(computeUsage(testTraffic(), s, testAssumptions(), testPrices()), testPrices());
    expect(line(lines, /^deviceApi duration \(1024 MB x86_64/).monthlyUsd).toBeCloseTo(6, 6);
    // 0.0065193 GB × $0.20 = 0.00130385
    expect(line(lines, /point-in-time/).monthlyUsd).toBeCloseTo(0.00130385, 7);
  });

  it('bills the shards a peak needs when serverless.yml provisions fewer', () => {
    // 86.4 M × 2 KB messages/day in batches of 100 need 7 shards: 7 × 720 × $0.015 = 75.60
    const lines = priceUsage(
      computeUsage(
        testTraffic({ messagesPerDay: 86_400_000, messageSizeBytes: 2048, batchSize: 100 }),
        testSettings(),
        testAssumptions(),
        testPrices(),
      ),
      testPrices(),
    );
    expect(line(lines, 'shard hours (7 shards, provisioned)').monthlyUsd).toBeCloseTo(75.6, 6);
  });
});
