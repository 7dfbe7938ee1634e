import { testAssumptions, testPrices, testSettings, testTraffic } from './testkit';
import { coldStartsPerHour } from './metricHours';
import { computeUsage, registryCache, routerRecordsPerInvocation, shardsFor } from './usage';

// The test month: 720 h = 30 days = 2,592,000 s.
const SECONDS = 2_592_000;

describe('registryCache (per-instance device cache)', () => {
  it('misses on almost every request when devices send rarely', () => {
    // 10,000 devices, 1,000,000 requests/day: R = 11.574/s, r = R/D = 0.0011574/s, T = 10 s, C = 1.
    // misses = R·C / (r·T + C) = 11.574 / 1.011574 = 11.4418/s → hit ratio 1 − 1/1.011574 = 1.144%
    const c = registryCache({ requestsPerSecond: 1_000_000 / 86_400, devices: 10_000, ttlSeconds: 10, instances: 1, capacity: 10_000 });
    expect(c.readsPerSecond).toBeCloseTo(11.4418, 3);
    expect(c.hitRatio).toBeCloseTo(0.011442, 5);
  });

  it('serves chatty devices from memory', () => {
    // 100 devices at 10 req/s each: R = 1,000/s, r·T = 100, C = 2.
    // misses = 1,000 × 2 / (100 + 2) = 19.608/s → hit ratio 98.04%
    const c = registryCache({ requestsPerSecond: 1000, devices: 100, ttlSeconds: 10, instances: 2, capacity: 10_000 });
    expect(c.readsPerSecond).toBeCloseTo(19.608, 3);
    expect(c.hitRatio).toBeCloseTo(0.98039, 4);
  });

  it('loses hits when the live entries exceed the cache capacity', () => {
    // 1,000,000 devices, R = 10,000/s (r = 0.01), T = 10 (r·T = 0.1), C = 5:
    // misses = 10,000 × 5 / 5.1 = 9,803.92; hits = 196.08;
    // live entries per instance = D·r·T / (r·T + C) = 100,000 / 5.1 = 19,607.8 > 10,000
    // → hits × 10,000 / 19,607.8 = 100.0 → reads = 9,900/s, hit ratio 1%
    const c = registryCache({ requestsPerSecond: 10_000, devices: 1_000_000, ttlSeconds: 10, instances: 5, capacity: 10_000 });
    expect(c.readsPerSecond).toBeCloseTo(9900, 6);
    expect(c.hitRatio).toBeCloseTo(0.01, 8);
  });

  it('reads on every request without a TTL and never without requests', () => {
    expect(registryCache({ requestsPerSecond: 5, devices: 10, ttlSeconds: 0, instances: 1, capacity: 10 }).readsPerSecond).toBe(5);
    expect(registryCache({ requestsPerSecond: 0, devices: 10, ttlSeconds: 10, instances: 1, capacity: 10 }).readsPerSecond).toBe(0);
  });
});

describe('router batching and shard sizing', () => {
  it('collects one poll interval of a shard per invocation, between 1 and the batch size', () => {
    // 11.574 records/s on 1 shard, 1 s polls → 11.574 records per invocation
    expect(
      routerRecordsPerInvocation({
        recordsPerSecond: 1_000_000 / 86_400,
        shards: 1,
        pollIntervalSeconds: 1,
        maximumBatchingWindowSeconds: 0,
        batchSize: 100,
      }),
    ).toBeCloseTo(11.574, 3);
    // a 5 s batching window collects 5 × 11.574 = 57.87
    expect(
      routerRecordsPerInvocation({
        recordsPerSecond: 1_000_000 / 86_400,
        shards: 1,
        pollIntervalSeconds: 1,
        maximumBatchingWindowSeconds: 5,
        batchSize: 100,
      }),
    ).toBeCloseTo(57.87, 2);
    // 50,000/s over 50 shards = 1,000 per shard-second, capped at the batch size 100
    expect(
      routerRecordsPerInvocation({
        recordsPerSecond: 50_000,
        shards: 50,
        pollIntervalSeconds: 1,
        maximumBatchingWindowSeconds: 0,
        batchSize: 100,
      }),
    ).toBe(100);
    // a trickle: one record per invocation
    expect(
      routerRecordsPerInvocation({
        recordsPerSecond: 0.1,
        shards: 1,
        pollIntervalSeconds: 1,
        maximumBatchingWindowSeconds: 0,
        batchSize: 100,
      }),
    ).toBe(1);
  });

  it('sizes shards by records (1,000/s) or bytes (1 MiB/s), whichever binds', () => {
    expect(shardsFor(23.1, 43_000)).toBe(1);
    expect(shardsFor(1500, 1_000_000)).toBe(2); // records bind: 1.5 → 2
    expect(shardsFor(100, 3.5 * 1024 * 1024)).toBe(4); // bytes bind: 3.5 → 4
    expect(shardsFor(200_000, 200_000 * 1918)).toBe(366); // 100k msg/s at peak 2: 383.6 MB/s / 1 MiB = 365.8 → 366
  });
});

describe('computeUsage: 1 M messages/day of 1 KB, batch 1, 10,000 devices, HTTPS only', () => {
  const u = computeUsage(testTraffic(), testSettings(), testAssumptions(), testPrices());

  it('counts messages and HTTP API requests', () => {
    // 1,000,000/day × 30 days = 30,000,000 messages, one request each;
    // request = 1,024 + 700 bytes of headers = 1,724 B < 512 KB → 1 billed request each
    expect(u.messages.total).toBe(30_000_000);
    expect(u.http.requests).toBe(30_000_000);
    expect(u.http.billedRequests).toBe(30_000_000);
    // peak = 30 M / 2,592,000 s × 2 = 23.148 req/s
    expect(u.http.peakRps).toBeCloseTo(23.148, 3);
  });

  it('bills the device API 10 ms per request at 512 MB', () => {
    // 30 M × 0.010 s × 0.5 GB = 150,000 GB-s; mean concurrency = 11.574/s × 0.010 s = 0.1157
    expect(u.functions.deviceApi.invocations).toBe(30_000_000);
    expect(u.functions.deviceApi.gbSeconds).toBeCloseTo(150_000, 6);
    expect(u.functions.deviceApi.avgConcurrency).toBeCloseTo(0.11574, 5);
  });

  it('sizes stream records and the shard count', () => {
    // record = base64(1,024) = 1,368 + 500 envelope = 1,868 B → 1 PUT payload unit (25 KB) each
    expect(u.kinesis.recordBytes).toBe(1868);
    expect(u.kinesis.putPayloadUnits).toBe(30_000_000);
    // peak 23.148 records/s, 23.148 × 1,868 = 43,241 B/s → 1 shard needed, 1 configured
    expect(u.kinesis.requiredShards).toBe(1);
    expect(u.kinesis.billedShards).toBe(1);
    expect(u.kinesis.peakBytesPerSec).toBeCloseTo(43_240.7, 1);
  });

  it('invokes the router once per poll of the one shard', () => {
    // 11.574 records per 1 s poll → 30 M / 11.574 = 2,592,000 invocations (one a second)
    expect(u.router.recordsPerInvocation).toBeCloseTo(11.574, 3);
    expect(u.functions.router.invocations).toBeCloseTo(SECONDS, 3);
    // duration = 2,592,000 × 10 ms + 30 M records × 0.5 ms = 40,920,000 ms = 40,920 s × 0.5 GB = 20,460 GB-s
    expect(u.functions.router.gbSeconds).toBeCloseTo(20_460, 3);
  });

  it('runs the sweeper every minute', () => {
    // 1,440 × 30 = 43,200 runs × 100 ms × 0.5 GB = 2,160 GB-s; 43,200 × 4 RRU = 172,800 RRU
    expect(u.functions.sweeper.invocations).toBe(43_200);
    expect(u.functions.sweeper.gbSeconds).toBeCloseTo(2160, 6);
    expect(u.dynamodb.readUnits.sweeper).toBe(172_800);
  });

  it('reads the registry on cache misses only', () => {
    // reads = M / (1 + r·T) with r·T = (100 msgs/device/day / 86,400) × 10 s = 0.0115741
    //       = 30,000,000 / 1.0115741 = 29,656,751; 700-byte item, consistent → 1 RRU each
    expect(u.registry.reads).toBeCloseTo(29_656_751, -1);
    expect(u.dynamodb.readUnits.registry).toBeCloseTo(29_656_751, -1);
    // routing table: 1 router instance (1 shard × parallelization 1) invoked about once a second reloads
    // once per ROUTING_CACHE_TTL_MS (60 s here): 2,592,000 s / 60 s × 1 RRU (consistent scan, 300 B) = 43,200 RRU
    expect(u.dynamodb.readUnits.routing).toBeCloseTo(43_200, 6);
    expect(u.dynamodb.readUnits.c2d).toBe(0);
    expect(u.dynamodb.writeUnits.c2d).toBe(0);
  });

  it('sums log bytes over every invocation', () => {
    // (30,000,000 + 2,592,000 + 43,200) invocations × 400 B = 13,054,080,000 B / 2^30 = 12.1576 GB
    expect(u.logs.ingestedGb).toBeCloseTo(12.1576, 4);
    // stored: (13,054,080,000 + 32,635,200 × 3 events × 26 B) / 2^30 = 14.5283 GB
    //         × 0.15 compression × 14/30 of a month = 1.01698 GB-month
    expect(u.logs.storedGb).toBeCloseTo(1.01698, 4);
  });

  it('has no WebSocket, SQS or C2D usage', () => {
    expect(u.websocket.billedMessages).toBe(0);
    expect(u.websocket.connectionMinutes).toBe(0);
    expect(u.sqs.routingRequests).toBe(0);
    expect(u.c2d.messages).toBe(0);
  });
});

describe('computeUsage: routes, C2D, WebSocket', () => {
  it('batches routed copies into SendMessageBatch calls per route', () => {
    // 11.574 records per router invocation, all match: ceil(11.574 / 10) = 2 calls per invocation and route
    // (5.787 entries each); 2,592,000 invocations × 2 calls × 3 routes = 15,552,000 requests,
    // each 5.787 × (1,868 + 200) B = 11.97 KB < 64 KB → 1 billed request per call
    const u = computeUsage(testTraffic({ routes: 3 }), testSettings(), testAssumptions(), testPrices());
    expect(u.router.sqsEntriesPerCall).toBeCloseTo(5.787, 3);
    expect(u.sqs.routingRequests).toBeCloseTo(15_552_000, 0);
  });

  it('costs each routed message alone when batches hold less than one match', () => {
    // match fraction 5%: 11.574 × 0.05 = 0.5787 matches per invocation → 0.5787 calls of 1 entry
    // → 2,592,000 × 0.5787 = 1,500,000 calls per route = 30 M × 5%
    const a = testAssumptions();
    a.router.routeMatchFraction = 0.05;
    const u = computeUsage(testTraffic({ routes: 1 }), testSettings(), a, testPrices());
    expect(u.sqs.routingRequests).toBeCloseTo(1_500_000, 0);
  });

  it('counts the C2D lifecycle over HTTPS', () => {
    // 10,000 devices × 1 command/day × 30 = 300,000 commands of 1 KB; item = 1,024 + 400 B
    // → 2 WRU (1 KB units), 1 RRU (4 KB units).
    // reads  = 300,000 × (1 device check + 1 pending-set read + 2 item reads × 1) = 1,200,000 RRU
    // writes = 300,000 × (send 2 meta + 2 WRU + 1 index, lock 2 WRU, delete 2 WRU + 1 index, release 1 meta)
    //        = 300,000 × 11 = 3,300,000 WRU (no feedback: no Settled write)
    // HTTP API: 30 M sends + 300,000 service sends + 300,000 receives + 300,000 completes = 30.9 M
    const u = computeUsage(testTraffic({ c2dPerDevicePerDay: 1 }), testSettings(), testAssumptions(), testPrices());
    expect(u.c2d.messages).toBe(300_000);
    expect(u.dynamodb.readUnits.c2d).toBe(1_200_000);
    expect(u.dynamodb.writeUnits.c2d).toBe(3_300_000);
    expect(u.http.requests).toBe(30_900_000);
    expect(u.functions.serviceApi.invocations).toBe(300_000);
    expect(u.functions.deviceApi.invocations).toBe(30_600_000);
  });

  it('bills the Settled outbox write only for the commands with feedback due (c2d.feedbackFraction)', () => {
    // With feedback: + Settled (2 WRU + 2 index: sweepAt re-keyed) = 15 WRU a 1 KB command; half of them: 13.
    const at = (fraction: number) => {
      const a = testAssumptions();
      a.c2d.feedbackFraction = fraction;
      return computeUsage(testTraffic({ c2dPerDevicePerDay: 1 }), testSettings(), a, testPrices());
    };
    expect(at(0).dynamodb.writeUnits.c2d).toBe(300_000 * 11);
    expect(at(1).dynamodb.writeUnits.c2d).toBe(300_000 * 15);
    expect(at(0.5).dynamodb.writeUnits.c2d).toBe(300_000 * 13);
    expect(at(1).sqs.feedbackRequests).toBe(300_000);
    // A 5 KB command: record writes at 6 WRU (5,120 + 400 B), meta and index writes at 1.
    const big = computeUsage(
      testTraffic({ c2dPerDevicePerDay: 1, c2dMessageSizeBytes: 5120 }),
      testSettings(),
      testAssumptions(),
      testPrices(),
    );
    expect(big.dynamodb.writeUnits.c2d).toBe(300_000 * (2 + 6 + 1 + 6 + 6 + 1 + 1));
  });

  it('bills each kind of device API call at its own duration', () => {
    // 30 M sends × 10 ms (functions.deviceApi.invocationMs), 300,000 receives × 40 ms,
    // 300,000 completes × 70 ms, 14.4 M empty polls × 3 ms (deviceApiC2d)
    // = 300 M + 12 M + 21 M + 43.2 M = 376.2 M ms = 376,200 s × 0.5 GB = 188,100 GB-s
    const a = testAssumptions();
    a.deviceApiC2d = { receiveMs: 40, completeMs: 70, emptyPollMs: 3 };
    a.c2d.emptyPollsPerDevicePerDay = 48;
    const u = computeUsage(testTraffic({ c2dPerDevicePerDay: 1 }), testSettings(), a, testPrices());
    expect(u.functions.deviceApi.invocations).toBe(45_000_000);
    expect(u.functions.deviceApi.gbSeconds).toBeCloseTo(188_100, 6);
    expect(u.functions.deviceApi.avgMs).toBeCloseTo(376_200_000 / 45_000_000, 9);
    // Each term on its own: one more ms per receive adds 300,000 ms × 0.5 GB = 150 GB-s, per poll 14.4 M ms → 7,200 GB-s.
    const gbs = (change: (x: typeof a) => void) => {
      const b = structuredClone(a);
      change(b);
      return computeUsage(testTraffic({ c2dPerDevicePerDay: 1 }), testSettings(), b, testPrices()).functions.deviceApi.gbSeconds - 188_100;
    };
    expect(gbs((b) => (b.deviceApiC2d.receiveMs += 1))).toBeCloseTo(150, 6);
    expect(gbs((b) => (b.deviceApiC2d.completeMs += 1))).toBeCloseTo(150, 6);
    expect(gbs((b) => (b.deviceApiC2d.emptyPollMs += 1))).toBeCloseTo(7_200, 6);
    expect(gbs((b) => (b.functions.deviceApi.invocationMs += 1))).toBeCloseTo(15_000, 6);
  });

  it('adds empty polls when devices poll for commands', () => {
    // 10,000 devices × 48 polls/day × 30 = 14,400,000 polls: 14.4 M HTTP requests and 14.4 M RRU
    const a = testAssumptions();
    a.c2d.emptyPollsPerDevicePerDay = 48;
    const u = computeUsage(testTraffic(), testSettings(), a, testPrices());
    expect(u.http.requests).toBe(30_000_000 + 14_400_000);
    expect(u.dynamodb.readUnits.c2d).toBe(14_400_000);
  });

  it('counts WebSocket connections, frames and heartbeats', () => {
    // all 10,000 devices on WebSocket, 100 messages/device/day, batch 1:
    // connection minutes = 10,000 × 720 h × 60 = 432,000,000
    // reconnects every 2 h: 10,000 × 12 × 30 = 3,600,000 connections
    // heartbeats: 86,400 / 540 = 160 − 100 frames = 60/device/day → 18,000,000, each answered
    // inbound = 30 M sends + 18 M heartbeats = 48 M; outbound = 30 M acks + 18 M replies = 48 M
    // billed: send frame 1,368 + 250 B < 32 KB → 1 each; total 96,000,000
    // stream records = 30 M + 2 × 3.6 M connection state events = 37.2 M
    // connection writes = 3.6 M × (3 + 3) = 21.6 M WRU
    const u = computeUsage(testTraffic({ websocketFraction: 1 }), testSettings(), testAssumptions(), testPrices());
    expect(u.websocket.connectionMinutes).toBe(432_000_000);
    expect(u.websocket.connections).toBe(3_600_000);
    expect(u.websocket.inboundFrames).toBe(48_000_000);
    expect(u.websocket.outboundFrames).toBe(48_000_000);
    expect(u.websocket.billedMessages).toBe(96_000_000);
    expect(u.kinesis.records).toBe(37_200_000);
    expect(u.dynamodb.writeUnits.connections).toBe(21_600_000);
    expect(u.http.requests).toBe(0);
    expect(u.functions.wsMessage.invocations).toBe(48_000_000);
    expect(u.functions.wsConnect.invocations).toBe(3_600_000);
  });

  it('acks every message of a WebSocket batch separately', () => {
    // batch 10: 3 M sendBatch frames, 30 M acks; frames 10 × (1,368 + 250) = 16,180 B → 1 unit;
    // frames/device/day = 10 → heartbeats 150/device/day = 45 M (+45 M replies)
    // billed = 3 M + 45 M + 30 M + 45 M = 123 M
    const u = computeUsage(testTraffic({ websocketFraction: 1, batchSize: 10 }), testSettings(), testAssumptions(), testPrices());
    expect(u.websocket.inboundFrames).toBe(48_000_000);
    expect(u.websocket.billedMessages).toBe(123_000_000);
  });

  it('bills bigger HTTPS batches per 512 KB and shard needs by bytes', () => {
    // 100 messages of 2 KB per request: 100 × (2,732 + 100) + 700 = 283,900 B → 1 unit;
    // 86.4 M messages/day = 1,000/s avg, 2,000/s peak; record 2,732 + 500 = 3,232 B
    // → 2,000 records/s needs 2 shards, 6.46 MB/s needs ceil(6.164 MiB) = 7 → 7 shards
    const u = computeUsage(
      testTraffic({ messagesPerDay: 86_400_000, messageSizeBytes: 2048, batchSize: 100 }),
      testSettings(),
      testAssumptions(),
      testPrices(),
    );
    expect(u.http.requests).toBeCloseTo(25_920_000, 6);
    expect(u.http.billedRequests).toBeCloseTo(25_920_000, 6);
    expect(u.kinesis.requiredShards).toBe(7);
    expect(u.kinesis.billedShards).toBe(7);
  });

  it('takes a measured records-per-invocation instead of the derived one', () => {
    // 30 M records / 50 per invocation = 600,000 invocations; 600,000 × 10 ms + 30 M × 0.5 ms = 21,000 s × 0.5 GB = 10,500 GB-s
    const a = testAssumptions();
    a.router.recordsPerInvocation = 50;
    const u = computeUsage(testTraffic(), testSettings(), a, testPrices());
    expect(u.functions.router.invocations).toBe(600_000);
    expect(u.functions.router.gbSeconds).toBeCloseTo(10_500, 6);
  });

  it('prices on-demand reads for the router and the built-in endpoint readers', () => {
    // 1,868 B records round up to 2 KB: 30 M × 2,048 B = 57.22 GB in; × (1 router + 1 reader) = 114.44 GB out
    const u = computeUsage(testTraffic(), testSettings(), testAssumptions(), testPrices(), 'on-demand');
    expect(u.kinesis.ingestGb).toBeCloseTo(57.2205, 4);
    expect(u.kinesis.retrievalGb).toBeCloseTo(114.441, 3);
    // an on-demand stream starts at 4 shards: 11.574 / 4 = 2.894 records per invocation
    expect(u.kinesis.polledShards).toBe(4);
    expect(u.router.recordsPerInvocation).toBeCloseTo(2.894, 3);
  });
});

describe('computeUsage: the settings each line follows', () => {
  const traffic = testTraffic(); // 30 M messages a month over HTTPS, 10,000 devices
  const settings = (change: (s: ReturnType<typeof testSettings>) => void) => {
    const s = testSettings();
    change(s);
    return s;
  };
  /** serverless.yml's registry settings: a 1-hour device cache kept fresh by the change feed, eventually consistent misses. */
  const changeFeedSettings = () =>
    settings(
      (s) =>
        (s.registryReads = {
          mode: 'changeFeed',
          cacheTtlMs: 3_600_000,
          maxEntries: 50_000,
          changePollMs: 5000,
          missReadConsistent: false,
          derivedKeyFastPath: true,
          from: [],
        }),
    );

  it('bills API Gateway per device request only when the HTTP API is the device front door', () => {
    const viaHttpApi = computeUsage(
      traffic,
      settings((s) => (s.deviceFrontDoor = 'httpApi')),
      testAssumptions(),
      testPrices(),
    );
    const viaUrl = computeUsage(
      traffic,
      settings((s) => (s.deviceFrontDoor = 'functionUrl')),
      testAssumptions(),
      testPrices(),
    );
    expect(viaHttpApi.http.billedRequests).toBe(30_000_000);
    expect(viaUrl.http.billedRequests).toBe(0);
    expect(viaUrl.deviceApi).toMatchObject({ frontDoor: 'functionUrl', requests: 30_000_000 });
    // Lambda still runs every device request.
    expect(viaUrl.functions.deviceApi.invocations).toBe(viaHttpApi.functions.deviceApi.invocations);
    // The service API stays on the HTTP API: 10,000 devices × 1 command a day × 30 days.
    const c2d = computeUsage(
      testTraffic({ c2dPerDevicePerDay: 1 }),
      settings((s) => (s.deviceFrontDoor = 'functionUrl')),
      testAssumptions(),
      testPrices(),
    );
    expect(c2d.http.billedRequests).toBe(300_000);
  });

  it('reloads the routing table once per ROUTING_CACHE_TTL_MS per router instance, at the scan consistency', () => {
    const every5s = computeUsage(
      traffic,
      settings((s) => (s.routingCacheTtlMs = 5000)),
      testAssumptions(),
      testPrices(),
    );
    // about one invocation a second: 2,592,000 s / 5 s = 518,400 reloads × 1 RRU (consistent)
    expect(every5s.dynamodb.readUnits.routing).toBeCloseTo(518_400, 6);
    const eventual = testAssumptions();
    eventual.router.routingScanConsistent = false;
    expect(
      computeUsage(
        traffic,
        settings((s) => (s.routingCacheTtlMs = 5000)),
        eventual,
        testPrices(),
      ).dynamodb.readUnits.routing,
    ).toBeCloseTo(259_200, 6);
    // Four shards × parallelization 2 = 8 instances, each invoked more often than every 5 s: 8 × 518,400 reloads.
    const wide = computeUsage(
      traffic,
      settings((s) => {
        s.routingCacheTtlMs = 5000;
        s.kinesis.shardCount = 4;
        s.router.parallelizationFactor = 2;
      }),
      testAssumptions(),
      testPrices(),
    );
    expect(wide.dynamodb.readUnits.routing).toBeCloseTo(8 * 518_400, 6);
  });

  it('reads the registry through the change feed: long cache, eventually consistent misses, one feed poll per instance and interval', () => {
    const feed = computeUsage(traffic, changeFeedSettings(), testAssumptions(), testPrices());
    const ttl = computeUsage(traffic, testSettings(), testAssumptions(), testPrices());
    // A device sends every 864 s; its entry lives 3,600 s on the one instance: one miss per 3,600 + 864 s,
    // 864 / 4,464 = 19.4% of lookups (the 10 s cache: 98.9%).
    expect(feed.registry.hitRatio).toBeCloseTo(3600 / 4464, 6);
    expect(ttl.registry.hitRatio).toBeCloseTo(10 / 874, 6);
    expect(feed.dynamodb.readUnits.registry).toBeCloseTo(feed.registry.reads * 0.5, 6);
    expect(ttl.dynamodb.readUnits.registry).toBeCloseTo(ttl.registry.reads, 6);
    // One instance polls every 5 s while it serves ~11.6 requests/s: 518,400 reads × 2 RRU (8,000-byte item).
    expect(feed.dynamodb.readUnits.changeFeed).toBeCloseTo(1_036_800, 6);
    expect(ttl.dynamodb.readUnits.changeFeed).toBe(0);
  });

  it('reads the registry only for devices without derived keys or in the revocation set, and loads the set per instance', () => {
    const feedSettings = changeFeedSettings();
    const withShare = (derivedKeyShare: number) => {
      const a = testAssumptions();
      a.registry.derivedKeyShare = derivedKeyShare;
      return computeUsage(traffic, feedSettings, a, testPrices());
    };
    const none = withShare(0);
    const all = withShare(1);
    const half = withShare(0.5);
    // revokedShare 1%: with every device derived, 1% of the devices (and of their requests) reach the cache,
    // which misses for them as it would for everyone (the same per-device rate and instance count).
    expect(all.registry.reads).toBeCloseTo(none.registry.reads * 0.01, 3);
    expect(half.registry.reads).toBeCloseTo(none.registry.reads * (1 - 0.5 * 0.99), 3);
    expect(all.registry.derivedShare).toBeCloseTo(0.99, 6);
    // The set lists every disabled or deleted id, derived keys or not: loaded as long as the fast path is on.
    expect(none.dynamodb.readUnits.revocations).toBeCloseTo(all.dynamodb.readUnits.revocations, 6);
    expect(none.dynamodb.readUnits.revocations).toBeGreaterThan(0);
    // The set: 10,000 devices × 1% × 100 B = 10,000 B → 3 RRU a load. One deviceApi instance reloads it
    // every hour (720 loads) and at each cold start, which also reads the seed (1 RRU).
    expect(all.registry.revocationSetBytes).toBeCloseTo(10_000, 6);
    const instances = Math.max(1, all.functions.deviceApi.avgConcurrency);
    const coldStarts =
      coldStartsPerHour({
        invocationsPerHour: all.functions.deviceApi.invocations / 720,
        instances: all.functions.deviceApi.avgConcurrency,
        lifetimeHours: 2,
        idleMinutes: 10,
      }) * 720;
    expect(all.dynamodb.readUnits.revocations).toBeCloseTo(coldStarts * 4 + instances * 720 * 3, 6);
    // The TTL cache without a change feed has no revocation set: no derived keys either.
    const a = testAssumptions();
    a.registry.derivedKeyShare = 1;
    const ttl = computeUsage(traffic, testSettings(), a, testPrices());
    expect(ttl.registry.reads).toBeCloseTo(computeUsage(traffic, testSettings(), testAssumptions(), testPrices()).registry.reads, 6);
    expect(ttl.dynamodb.readUnits.revocations).toBe(0);
    // DERIVED_KEY_FAST_PATH=off: every device token reads the registry, as with no derived keys.
    const off = computeUsage(
      traffic,
      settings((s) => (s.registryReads = { ...changeFeedSettings().registryReads, derivedKeyFastPath: false })),
      a,
      testPrices(),
    );
    expect(off.registry.reads).toBeCloseTo(none.registry.reads, 6);
    expect(off.dynamodb.readUnits.revocations).toBe(0);
  });

  it('bills the platform records in Text format whatever the system level', () => {
    const textWarn = computeUsage(
      traffic,
      settings((s) => (s.logging = { ...s.logging, format: 'Text', systemLevel: 'WARN' })),
      testAssumptions(),
      testPrices(),
    );
    const jsonWarn = computeUsage(
      traffic,
      settings((s) => (s.logging = { ...s.logging, format: 'JSON', systemLevel: 'WARN' })),
      testAssumptions(),
      testPrices(),
    );
    const invocations = Object.values(textWarn.functions).reduce((n, f) => n + f.invocations, 0);
    expect(textWarn.logs.systemGb * 1024 ** 3).toBeCloseTo(invocations * 300, 0);
    expect(jsonWarn.logs.systemGb).toBe(0);
  });
});
