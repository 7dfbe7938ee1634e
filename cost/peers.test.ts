import { awsIotCore, azureIotHub } from './peers';
import { testAssumptions, testPrices, testTraffic } from './testkit';

describe('azureIotHub', () => {
  it('buys S1 units for 1 M messages of 1 KB a day', () => {
    // 1,000,000 messages × 1 chunk (1 KB ≤ 4 KB) = 1,000,000/day; S1: ceil(1,000,000 / 400,000) = 3 units × $25 = $75;
    // S2: 1 unit × $250; S3: 1 × $2,500 → S1 × 3 = $75.
    // per million messages: 30 M/month (720 h) → $75 / 30 = $2.50
    const e = azureIotHub(testTraffic(), testPrices());
    expect(e.monthlyUsd).toBe(75);
    expect(e.summary).toMatch(/^S1 × 3/);
    expect(e.perMillionMessagesUsd).toBeCloseTo(2.5, 10);
  });

  it('moves to S2 when it is cheaper than many S1 units', () => {
    // 5,000,000/day: S1 13 units = $325 > S2 1 unit = $250
    expect(azureIotHub(testTraffic({ messagesPerDay: 5_000_000 }), testPrices()).summary).toMatch(/^S2 × 1/);
  });

  it('meters 4 KB chunks and counts C2D sends', () => {
    // 100 M messages of 5 KB = 2 chunks each = 200 M/day, + 10,000 devices × 10 commands × 1 chunk = 100,000
    // → 200,100,000/day: S1 501 units (over 200), S2 34 units = $8,500, S3 1 unit = $2,500 → S3 × 1
    const e = azureIotHub(
      testTraffic({ messagesPerDay: 100_000_000, messageSizeBytes: 5 * 1024, c2dPerDevicePerDay: 10, c2dMessageSizeBytes: 100 }),
      testPrices(),
    );
    expect(e.summary).toMatch(/^S3 × 1: 200,100,000 metered msgs\/day/);
    expect(e.monthlyUsd).toBe(2500);
  });

  it('spreads traffic beyond one hub over several S3 hubs', () => {
    // 4,000,000,000/day: S3 needs ceil(4e9 / 3e8) = 14 units > 10 per hub → 2 hubs, 14 × $2,500 = $35,000
    const e = azureIotHub(testTraffic({ messagesPerDay: 4_000_000_000 }), testPrices());
    expect(e.monthlyUsd).toBe(35_000);
    expect(e.lines[0]?.item).toMatch(/across 2 hubs/);
  });
});

describe('awsIotCore', () => {
  it('prices messaging, one rule and one action per message, and always-on connections', () => {
    // 30 M messages of 1 KB + 40 B topic ≤ 5 KB: 30 M × $1.00/M = 30.00
    // rules 30 M × $0.15/M = 4.50; actions 30 M × $0.15/M = 4.50
    // connectivity: 10,000 devices × 720 h × 60 = 432,000,000 min × $0.08/M = 34.56
    // total 73.56; per million messages 73.56 / 30 = 2.452
    const a = testAssumptions();
    a.peers.iotCoreConnectedFraction = 1; // --set peers.iotCoreConnectedFraction=1
    const e = awsIotCore(testTraffic(), testPrices(), a, false);
    expect(e.monthlyUsd).toBeCloseTo(73.56, 6);
    expect(e.perMillionMessagesUsd).toBeCloseTo(2.452, 6);
  });

  it('drops the device publishes with Basic Ingest', () => {
    // 73.56 − 30.00 messaging = 43.56
    const a = testAssumptions();
    a.peers.iotCoreConnectedFraction = 1;
    expect(awsIotCore(testTraffic(), testPrices(), a, true).monthlyUsd).toBeCloseTo(43.56, 6);
  });

  it('prices the same transport by default: HTTPS devices hold no connection, WebSocket devices are MQTT over WebSockets', () => {
    // HTTPS only: Basic Ingest = rules 4.50 + actions 4.50 = 9.00, $0.30 per million; no connection minutes
    const https = awsIotCore(testTraffic(), testPrices(), testAssumptions(), true);
    expect(https.monthlyUsd).toBeCloseTo(9, 6);
    expect(https.perMillionMessagesUsd).toBeCloseTo(0.3, 6);
    expect(https.lines[3]?.quantity).toBe(0);
    // a quarter of the devices on WebSocket: 2,500 devices × 43,200 min × $0.08/M = 8.64
    const ws = awsIotCore(testTraffic({ websocketFraction: 0.25 }), testPrices(), testAssumptions(), true);
    expect(ws.lines[3]?.quantity).toBe(108_000_000);
    expect(ws.monthlyUsd).toBeCloseTo(9 + 8.64, 6);
  });

  it('tiers messaging and counts C2D as publish + delivery + PUBACK', () => {
    // 66.6667 M/day × 30 = 2,000,000,000 D2C messages of 1 KB: 1 B × $1.00/M + 1 B × $0.80/M = $1,800;
    // no devices' C2D here. With 10,000 devices × 1 command/day × 30 = 300,000 commands × 3 messages = 900,000
    const big = awsIotCore(testTraffic({ messagesPerDay: 2_000_000_000 / 30 }), testPrices(), testAssumptions(), false);
    expect(big.lines[0]?.monthlyUsd).toBeCloseTo(1800, 4);
    const c2d = awsIotCore(testTraffic({ c2dPerDevicePerDay: 1 }), testPrices(), testAssumptions(), true);
    expect(c2d.lines[0]?.quantity).toBe(900_000);
  });

  it('triggers one rule per route and one action per matching route, in 5 KB increments', () => {
    // 3 routes, 6 KB messages (+40 B topic → 2 units): rules = 30 M × 3 × 2 = 180 M; actions the same
    const e = awsIotCore(testTraffic({ routes: 3, messageSizeBytes: 6 * 1024 }), testPrices(), testAssumptions(), false);
    expect(e.lines[1]?.quantity).toBe(180_000_000);
    expect(e.lines[2]?.quantity).toBe(180_000_000);
    expect(e.lines[0]?.quantity).toBe(60_000_000);
  });
});
