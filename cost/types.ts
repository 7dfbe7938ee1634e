/**
 * The shapes the cost model works on: a price table (cost/prices.json), the assumptions that
 * are not in serverless.yml (cost/assumptions.json), the deployment settings derived from
 * serverless.yml, and a traffic profile from the command line. Pure types, no I/O.
 */

/** One band of a volume-tiered price: `price` applies to the units up to the cumulative `upTo` (null = no end). */
export interface Tier {
  upTo: number | null;
  price: number;
}

export interface PriceTable {
  meta: { region: string; currency: string; readOn: string; disclaimer: string; sources: Record<string, string> };
  hoursPerMonth: number;
  apiGateway: {
    http: { meterBytes: number; perMillion: Tier[] };
    websocket: { meterBytes: number; messagesPerMillion: Tier[]; connectionMinutesPerMillion: number };
  };
  lambda: { requestsPerMillion: number; gbSecond: Record<Architecture, Tier[]> };
  kinesis: {
    provisioned: { shardHour: number; putPayloadUnitBytes: number; putPayloadUnitsPerMillion: number; extendedRetentionShardHour: number };
    onDemand: { streamHour: number; meterBytes: number; ingestPerGb: number; retrievalPerGb: number };
  };
  dynamodb: { writeRequestUnitsPerMillion: number; readRequestUnitsPerMillion: number; storageGbMonth: number; pitrGbMonth: number };
  sqs: { meterBytes: number; standardPerMillion: Tier[]; fifoPerMillion: Tier[] };
  /** `upTo` in GB. */
  cloudwatchLogs: { lambdaIngestionPerGb: Tier[]; storageGbMonth: number };
  /** Custom metrics (`upTo` in metrics), standard-resolution alarms per metric they watch, dashboards. */
  cloudwatch: { customMetricsPerMonth: Tier[]; alarmMetricPerMonth: number; dashboardPerMonth: number };
  azureIotHub: { meterBytes: number; tiers: AzureTier[] };
  awsIotCore: {
    meterBytes: number;
    messagingPerMillion: Tier[];
    rulesTriggeredPerMillion: number;
    actionsAppliedPerMillion: number;
    connectionMinutesPerMillion: number;
  };
}

export interface AzureTier {
  name: string;
  unitPerMonth: number;
  messagesPerDayPerUnit: number;
  maxUnits: number;
}

export type Architecture = 'arm64' | 'x86_64';

/** The parts of the hub that run as Lambda functions, by what they do (not by their names). */
export const FUNCTION_ROLES = ['deviceApi', 'serviceApi', 'router', 'wsConnect', 'wsDisconnect', 'wsMessage', 'sweeper'] as const;
export type FunctionRole = (typeof FUNCTION_ROLES)[number];

export interface FunctionAssumption {
  /** Billed milliseconds per invocation (fixed part). */
  invocationMs: number;
  /** Extra milliseconds per item in the invocation (message in a batch, stream record). */
  perItemMs: number;
  /** The hub's own log lines at INFO and above on an ordinary invocation. */
  logBytesPerInvocation: number;
  /** What DEBUG adds (lines the hub writes at DEBUG per invocation). */
  debugLogBytesPerInvocation: number;
  /**
   * EMF metric lines (lib/metrics.ts, service devhub-prod). An instance aggregates its metrics and
   * publishes them once per METRICS_FLUSH_INTERVAL_MS window, or sooner when a distribution filled a
   * line: each publication writes `emfBytesPerFlush` (the lines' fixed part: names, dimensions,
   * sums) plus `emfValueBytesPerInvocation` for every invocation in it (the distributions' values).
   */
  emfBytesPerFlush: number;
  emfValueBytesPerInvocation: number;
  /** Invocations after which a distribution fills a line and forces a publication (99 values); null = no distribution. */
  emfInvocationsPerLine: number | null;
}

/**
 * The writes one step of a C2D command makes in the C2D table (lib/adapters/aws/c2d/dynamoStore.ts):
 * `meta` writes of the device's small counter/pending-set item (1 WRU each), `item` writes of the
 * command record (billed at the record's size), `index` writes of the KEYS_ONLY sweep index (1 WRU
 * each: a put or a delete of an entry, 2 when an update changes sweepAt, none when it does not).
 */
export interface C2dWriteStep {
  meta: number;
  item: number;
  index: number;
}

export interface Assumptions {
  /** Peak rate over average rate, for capacity (shards, concurrency, quotas), not for volume. */
  peakToAverage: number;
  /** JSON envelope bytes around the base64 body on the stream (lib/envelope.ts). */
  envelopeOverheadBytes: number;
  /** Request line, headers and SAS token of one HTTPS request. */
  httpRequestOverheadBytes: number;
  /** JSON around each message in a batch request (`{"body":..,"properties":{..}}`). */
  batchEntryOverheadBytes: number;
  functions: Record<FunctionRole, FunctionAssumption>;
  /**
   * Billed milliseconds of the device API's other HTTPS calls, each at the device function's memory
   * (functions.deviceApi.invocationMs is a D2C send's): a C2D receive that returns a command
   * (pending-set read, query, lock), the complete that settles it with its lock token (get,
   * conditional write, release, delete), and an empty poll (GET devicebound → 204: the pending-set
   * read only). `npm run bench` measures them (cost/measured.json); these are the fallbacks.
   */
  deviceApiC2d: { receiveMs: number; completeMs: number; emptyPollMs: number };
  registry: {
    deviceItemBytes: number;
    /** Misses read with ConsistentRead (the registry read without a change feed, lib/adapters/aws/deviceStore.ts). */
    consistentRead: boolean;
    cacheMaxEntries: number;
    /** The shared change-feed item authentication polls (read strongly consistently), when the stack has one. */
    changeFeedItemBytes: number;
    /**
     * Share of devices whose keys the hub derived from its seed (created without caller keys;
     * lib/registry/derivedKeys.ts): their tokens verify without a registry read. 1 = every device
     * created by the hub; imported devices that keep their own keys lower it.
     */
    derivedKeyShare: number;
    /** Share of devices in the revocation set (ever disabled, deleted, re-keyed or re-created): they read the registry. */
    revokedShare: number;
    /** One revocation-set item as the load's Query bills it (lib/adapters/aws/revocationStore.ts). */
    revocationItemBytes: number;
  };
  router: {
    recordsPerInvocation: number | null;
    pollIntervalSeconds: number;
    routeMatchFraction: number;
    sqsBatchEntries: number;
    sqsMessageOverheadBytes: number;
    endpointFifo: boolean;
    /** The routing table's items (routes, endpoints, health records) as the router's reload scans them. */
    routingItemBytes: number;
    /** lib/adapters/aws/routing/routingStore.ts loadAll: Scan with ConsistentRead. */
    routingScanConsistent: boolean;
  };
  kinesis: { builtInEndpointReaders: number; onDemandMinimumShards: number };
  c2d: {
    itemOverheadBytes: number;
    registryReadsPerSend: number;
    metaReadsPerMessage: number;
    itemReadsPerMessage: number;
    /** Writes of each step of a command's life (cost/usage.ts c2dWriteUnitsPerCommand sums them by path). */
    writes: {
      send: C2dWriteStep;
      lock: C2dWriteStep;
      /** The Settled outbox record: written only when the outcome has feedback due. */
      settled: C2dWriteStep;
      release: C2dWriteStep;
      delete: C2dWriteStep;
    };
    emptyPollReadUnits: number;
    emptyPollsPerDevicePerDay: number;
    feedbackFraction: number;
    sweeperRunsPerDay: number;
    sweeperReadUnitsPerRun: number;
  };
  websocket: {
    maxConnectionHours: number;
    heartbeatSeconds: number;
    heartbeatReplies: number;
    frameOverheadBytes: number;
    ackBytes: number;
    connectWrites: number;
    disconnectReadUnits: number;
    disconnectWrites: number;
    connectionLookupReadUnits: number;
    connectionCacheSeconds: number;
    pushReadUnits: number;
  };
  logs: {
    storageCompressionRatio: number;
    metadataBytesPerEvent: number;
    /** Lambda's platform records (start, report) per invocation when the system log level is INFO or DEBUG. */
    systemEventsPerInvocation: number;
    systemBytesPerInvocation: number;
    /** The same in Text format (START, END, REPORT lines; written whatever the level). */
    textSystemEventsPerInvocation: number;
    textSystemBytesPerInvocation: number;
    /** Average bytes of one hub log or EMF line (to count log events for storage metadata). */
    bytesPerLine: number;
  };
  metrics: { emfBytesPerEndpoint: number };
  /** Which custom metrics an hour publishes (cost/metricHours.ts). */
  customMetrics: {
    /** Distinct series of each failure metric (AuthFailures reasons, Throttled, ...) a typical hour publishes while its path has traffic. */
    exceptionalSeriesPerHour: number;
    /** How long a warm Lambda execution environment lives before Lambda replaces it (ColdStart metrics). */
    environmentLifetimeHours: number;
    /** Idle time after which an environment is gone and the next invocation starts cold. */
    idleEnvironmentMinutes: number;
  };
  dynamodbStorage: { connectionItemBytes: number };
  /**
   * iotCoreConnectedFraction: share of the time IoT Core devices are connected (billed connection
   * minutes); null = by transport, like devhub's devices: HTTPS devices publish over HTTPS (no
   * connection minutes), WebSocket devices are compared with MQTT over WebSockets (always connected).
   */
  peers: { iotCoreConnectedFraction: number | null; iotCoreTopicBytes: number; iotCorePubackMetered: boolean };
}

export interface FunctionSettings {
  role: FunctionRole;
  /** The function's key in serverless.yml, or the role name when the function is not there (yet). */
  name: string;
  memoryMb: number;
  architecture: Architecture;
  /** False when serverless.yml has no function for this role and provider defaults were assumed. */
  inServerlessYml: boolean;
}

export type KinesisMode = 'provisioned' | 'on-demand';

/** How devices reach the device API: a Lambda function URL (no per-request fee) or the HTTP API. */
export type DeviceFrontDoor = 'functionUrl' | 'httpApi';

/**
 * How authentication reads the registry. `ttl`: a per-instance cache of `cacheTtlMs`, misses read
 * the device item. `changeFeed`: a long per-instance cache kept honest by polling a shared change
 * item every `changePollMs` (lib/registry/deviceCache.ts); misses read eventually consistently.
 */
export interface RegistryReadSettings {
  mode: 'ttl' | 'changeFeed';
  cacheTtlMs: number;
  /** Per-instance entries; null = the assumption registry.cacheMaxEntries. */
  maxEntries: number | null;
  changePollMs: number | null;
  /** Misses read strongly consistently; null = the assumption registry.consistentRead. */
  missReadConsistent: boolean | null;
  /** Tokens signed with derived device keys skip the registry (DERIVED_KEY_FAST_PATH, change-feed mode only). */
  derivedKeyFastPath: boolean;
  /** The serverless.yml environment variables these came from. */
  from: string[];
}

/** What the cost depends on in serverless.yml (and the resources it includes). */
export interface DeploymentSettings {
  region: string;
  functions: Record<FunctionRole, FunctionSettings>;
  /** The router's Kinesis event source mapping. */
  router: { batchSize: number; parallelizationFactor: number; maximumBatchingWindowSeconds: number; fromServerlessYml: boolean };
  sweeper: { runsPerDay: number; fromServerlessYml: boolean };
  kinesis: { mode: KinesisMode; shardCount: number; retentionHours: number };
  /** null = never expire. */
  logRetentionDays: number | null;
  deviceCacheTtlMs: number;
  deviceFrontDoor: DeviceFrontDoor;
  registryReads: RegistryReadSettings;
  /** ROUTING_CACHE_TTL_MS: how long a router instance serves its copy of the routing table. */
  routingCacheTtlMs: number;
  devicesTablePitr: boolean;
  /** Lambda log levels and Powertools settings (provider.logs.lambda, provider.environment). */
  logging: {
    format: 'JSON' | 'Text';
    applicationLevel: string;
    systemLevel: string;
    debugSampleRate: number;
    metricsEnabled: boolean;
    /** METRICS_FLUSH_INTERVAL_MS: how long each instance aggregates its metrics before publishing them. */
    metricsFlushIntervalMs: number;
  };
  /** CloudWatch resources in the stack: alarms (and the metrics they watch), dashboards; functions (ColdStart metrics). */
  monitoring: { alarms: number; alarmMetrics: number; dashboards: number; functions: number };
  /** Things worth telling the reader about how the settings were found. */
  notes: string[];
}

export interface TrafficProfile {
  messagesPerDay: number;
  /** Body plus application properties, the size IoT Hub meters. */
  messageSizeBytes: number;
  /** Messages per HTTPS request (or per WebSocket sendBatch frame). */
  batchSize: number;
  devices: number;
  c2dPerDevicePerDay: number;
  c2dMessageSizeBytes: number;
  routes: number;
  /** Share of devices (and of their traffic) on the WebSocket channel instead of HTTPS. */
  websocketFraction: number;
}

export type Service = 'API Gateway' | 'Lambda' | 'Kinesis' | 'DynamoDB' | 'SQS' | 'CloudWatch Logs' | 'CloudWatch';
export const SERVICES: readonly Service[] = ['API Gateway', 'Lambda', 'Kinesis', 'DynamoDB', 'SQS', 'CloudWatch Logs', 'CloudWatch'];

export interface CostLine {
  service: Service;
  item: string;
  /** Billed units a month. */
  quantity: number;
  unit: string;
  /** Human-readable unit price (effective rate when tiered). */
  rate: string;
  monthlyUsd: number;
  /** The part of monthlyUsd that does not grow with traffic (configured shards, alarms, dashboards, schedules, metrics bounded by their series). */
  fixedUsd?: number;
  /** A fee every message (or device request) pays whatever the settings: Lambda's request fee on the device path, the stream's PUT units. */
  perMessageFloor?: boolean;
}

export interface PeerLine {
  item: string;
  quantity: number;
  unit: string;
  rate: string;
  monthlyUsd: number;
}

export interface PeerEstimate {
  name: string;
  summary: string;
  lines: PeerLine[];
  monthlyUsd: number;
  perMillionMessagesUsd: number;
}
