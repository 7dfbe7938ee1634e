/**
 * Fixtures for the cost model's tests: a price table and assumptions with round numbers (a
 * 720-hour month = 30 days = 2,592,000 s; one flat Lambda GB-second price) so that the expected
 * values in the tests can be worked out by hand. Not the shipped cost/*.json.
 */
import {
  FUNCTION_ROLES,
  type Assumptions,
  type DeploymentSettings,
  type FunctionRole,
  type FunctionSettings,
  type PriceTable,
  type TrafficProfile,
} from './types';

export function testPrices(): PriceTable {
  return {
    meta: { region: 'us-east-1', currency: 'USD', readOn: '2026-11-26', disclaimer: 'test prices', sources: {} },
    hoursPerMonth: 720,
    apiGateway: {
      http: {
        meterBytes: 524288,
        perMillion: [
          { upTo: 300_000_000, price: 1.0 },
          { upTo: null, price: 0.9 },
        ],
      },
      websocket: {
        meterBytes: 32768,
        messagesPerMillion: [
          { upTo: 1_000_000_000, price: 1.0 },
          { upTo: null, price: 0.8 },
        ],
        connectionMinutesPerMillion: 0.25,
      },
    },
    lambda: { requestsPerMillion: 0.2, gbSecond: { arm64: [{ upTo: null, price: 0.00001 }], x86_64: [{ upTo: null, price: 0.00002 }] } },
    kinesis: {
      provisioned: { shardHour: 0.015, putPayloadUnitBytes: 25600, putPayloadUnitsPerMillion: 0.014, extendedRetentionShardHour: 0.02 },
      onDemand: { streamHour: 0.04, meterBytes: 1024, ingestPerGb: 0.08, retrievalPerGb: 0.04 },
    },
    dynamodb: { writeRequestUnitsPerMillion: 0.625, readRequestUnitsPerMillion: 0.125, storageGbMonth: 0.25, pitrGbMonth: 0.2 },
    sqs: { meterBytes: 65536, standardPerMillion: [{ upTo: null, price: 0.4 }], fifoPerMillion: [{ upTo: null, price: 0.5 }] },
    cloudwatchLogs: { lambdaIngestionPerGb: [{ upTo: null, price: 0.5 }], storageGbMonth: 0.03 },
    cloudwatch: {
      customMetricsPerMonth: [
        { upTo: 10_000, price: 0.3 },
        { upTo: null, price: 0.1 },
      ],
      alarmMetricPerMonth: 0.1,
      dashboardPerMonth: 3,
    },
    azureIotHub: {
      meterBytes: 4096,
      tiers: [
        { name: 'S1', unitPerMonth: 25, messagesPerDayPerUnit: 400_000, maxUnits: 200 },
        { name: 'S2', unitPerMonth: 250, messagesPerDayPerUnit: 6_000_000, maxUnits: 200 },
        { name: 'S3', unitPerMonth: 2500, messagesPerDayPerUnit: 300_000_000, maxUnits: 10 },
      ],
    },
    awsIotCore: {
      meterBytes: 5120,
      messagingPerMillion: [
        { upTo: 1_000_000_000, price: 1.0 },
        { upTo: 5_000_000_000, price: 0.8 },
        { upTo: null, price: 0.7 },
      ],
      rulesTriggeredPerMillion: 0.15,
      actionsAppliedPerMillion: 0.15,
      connectionMinutesPerMillion: 0.08,
    },
  };
}

export function testAssumptions(): Assumptions {
  // Log bytes come from the platform records here (400 B, 3 events); the hub's own lines and EMF are 0.
  const fn = {
    invocationMs: 10,
    perItemMs: 0,
    logBytesPerInvocation: 0,
    debugLogBytesPerInvocation: 0,
    emfBytesPerFlush: 0,
    emfValueBytesPerInvocation: 0,
    emfInvocationsPerLine: null as number | null,
  };
  const functions = Object.fromEntries(FUNCTION_ROLES.map((r) => [r, { ...fn }])) as Record<FunctionRole, typeof fn>;
  functions.router.perItemMs = 0.5;
  functions.sweeper.invocationMs = 100;
  return {
    peakToAverage: 2,
    envelopeOverheadBytes: 500,
    httpRequestOverheadBytes: 700,
    batchEntryOverheadBytes: 100,
    functions,
    deviceApiC2d: { receiveMs: 10, completeMs: 10, emptyPollMs: 10 },
    registry: {
      deviceItemBytes: 700,
      consistentRead: true,
      cacheMaxEntries: 10_000,
      changeFeedItemBytes: 8000,
      // No derived keys unless a test says so: the cache's own arithmetic stays pinned on its own.
      derivedKeyShare: 0,
      revokedShare: 0.01,
      revocationItemBytes: 100,
    },
    router: {
      recordsPerInvocation: null,
      pollIntervalSeconds: 1,
      routeMatchFraction: 1,
      sqsBatchEntries: 10,
      sqsMessageOverheadBytes: 200,
      endpointFifo: false,
      routingItemBytes: 300,
      routingScanConsistent: true,
    },
    kinesis: { builtInEndpointReaders: 1, onDemandMinimumShards: 4 },
    c2d: {
      itemOverheadBytes: 400,
      registryReadsPerSend: 1,
      metaReadsPerMessage: 1,
      itemReadsPerMessage: 2,
      writes: {
        send: { meta: 2, item: 1, index: 1 },
        lock: { meta: 0, item: 1, index: 0 },
        settled: { meta: 0, item: 1, index: 2 },
        release: { meta: 1, item: 0, index: 0 },
        delete: { meta: 0, item: 1, index: 1 },
      },
      emptyPollReadUnits: 1,
      emptyPollsPerDevicePerDay: 0,
      feedbackFraction: 0,
      sweeperRunsPerDay: 1440,
      sweeperReadUnitsPerRun: 4,
    },
    websocket: {
      maxConnectionHours: 2,
      heartbeatSeconds: 540,
      heartbeatReplies: 1,
      frameOverheadBytes: 250,
      ackBytes: 150,
      connectWrites: 3,
      disconnectReadUnits: 0.5,
      disconnectWrites: 3,
      connectionLookupReadUnits: 0.5,
      connectionCacheSeconds: 60,
      pushReadUnits: 0.5,
    },
    logs: {
      storageCompressionRatio: 0.15,
      metadataBytesPerEvent: 26,
      systemEventsPerInvocation: 3,
      systemBytesPerInvocation: 400,
      textSystemEventsPerInvocation: 3,
      textSystemBytesPerInvocation: 300,
      bytesPerLine: 400,
    },
    metrics: { emfBytesPerEndpoint: 0 },
    customMetrics: { exceptionalSeriesPerHour: 2, environmentLifetimeHours: 2, idleEnvironmentMinutes: 10 },
    dynamodbStorage: { connectionItemBytes: 400 },
    peers: { iotCoreConnectedFraction: null, iotCoreTopicBytes: 40, iotCorePubackMetered: true },
  };
}

/** Every function 512 MB arm64 and in serverless.yml; 1 provisioned shard; router batch 100, no window. */
export function testSettings(): DeploymentSettings {
  const functions = Object.fromEntries(
    FUNCTION_ROLES.map((role): [FunctionRole, FunctionSettings] => [
      role,
      { role, name: role, memoryMb: 512, architecture: 'arm64', inServerlessYml: true },
    ]),
  ) as Record<FunctionRole, FunctionSettings>;
  return {
    region: 'us-east-1',
    functions,
    router: { batchSize: 100, parallelizationFactor: 1, maximumBatchingWindowSeconds: 0, fromServerlessYml: true },
    sweeper: { runsPerDay: 1440, fromServerlessYml: true },
    kinesis: { mode: 'provisioned', shardCount: 1, retentionHours: 24 },
    logRetentionDays: 14,
    deviceCacheTtlMs: 10_000,
    deviceFrontDoor: 'httpApi',
    registryReads: {
      mode: 'ttl',
      cacheTtlMs: 10_000,
      maxEntries: null,
      changePollMs: null,
      missReadConsistent: null,
      derivedKeyFastPath: false,
      from: [],
    },
    routingCacheTtlMs: 60_000,
    devicesTablePitr: false,
    logging: {
      format: 'JSON',
      applicationLevel: 'INFO',
      systemLevel: 'INFO',
      debugSampleRate: 0,
      metricsEnabled: false,
      metricsFlushIntervalMs: 60_000,
    },
    monitoring: { alarms: 0, alarmMetrics: 0, dashboards: 0, functions: 7 },
    notes: [],
  };
}

/** 1,000,000 messages a day of 1 KB, one per HTTPS request, from 10,000 devices; nothing else. */
export function testTraffic(overrides: Partial<TrafficProfile> = {}): TrafficProfile {
  return {
    messagesPerDay: 1_000_000,
    messageSizeBytes: 1024,
    batchSize: 1,
    devices: 10_000,
    c2dPerDevicePerDay: 0,
    c2dMessageSizeBytes: 1024,
    routes: 0,
    websocketFraction: 0,
    ...overrides,
  };
}
