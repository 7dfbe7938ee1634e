/**
 * Monthly usage of every billed AWS dimension for a traffic profile: requests, invocations,
 * GB-seconds, stream records, request units, queue requests, log bytes. Prices are applied
 * separately (price.ts) so that each quantity can be checked on its own. Pure.
 *
 * A month is the price table's hoursPerMonth (AWS uses 730 h), so a day-rate is multiplied by
 * 730 / 24 = 30.4167.
 */
import { emfVolume } from './emf';
import { base64Bytes, clamp, GIB, meteredUnits } from './math';
import { catalogueMetricHours, coldStartsPerHour, hourShare } from './metricHours';
import {
  FUNCTION_ROLES,
  type Assumptions,
  type C2dWriteStep,
  type DeploymentSettings,
  type FunctionRole,
  type KinesisMode,
  type PriceTable,
  type TrafficProfile,
} from './types';

export interface FunctionUsage {
  role: FunctionRole;
  name: string;
  memoryMb: number;
  architecture: DeploymentSettings['functions'][FunctionRole]['architecture'];
  inServerlessYml: boolean;
  invocations: number;
  /** Mean billed duration per invocation. */
  avgMs: number;
  gbSeconds: number;
  /** Log bytes: Lambda's platform records, the hub's lines at the chosen level, EMF metrics. */
  logBytes: number;
  logEvents: number;
  /** Mean concurrent executions (Little's law: arrival rate × duration). */
  avgConcurrency: number;
  peakConcurrency: number;
}

export interface Usage {
  month: { hours: number; days: number; seconds: number };
  messages: { total: number; https: number; websocket: number; perSecondAvg: number; perSecondPeak: number };
  /** API Gateway's HTTP API (the service API, and the device API when it is the device front door). */
  http: { requests: number; billedRequests: number; peakRps: number };
  /** The device API's requests and which front door serves them. */
  deviceApi: { frontDoor: DeploymentSettings['deviceFrontDoor']; requests: number; peakRps: number };
  routing: { reloads: number; readUnitsPerReload: number; cacheTtlMs: number };
  websocket: {
    devices: number;
    connectionMinutes: number;
    connections: number;
    inboundFrames: number;
    outboundFrames: number;
    billedMessages: number;
    callbacks: number;
    peakNewConnectionsPerSec: number;
    peakMessagesPerSec: number;
  };
  functions: Record<FunctionRole, FunctionUsage>;
  kinesis: {
    mode: KinesisMode;
    records: number;
    recordBytes: number;
    putPayloadUnits: number;
    ingestGb: number;
    retrievalGb: number;
    configuredShards: number;
    requiredShards: number;
    /** Shards billed in provisioned mode: max(configured, required). */
    billedShards: number;
    /** Shards the router polls (on-demand streams start at 4). */
    polledShards: number;
    peakRecordsPerSec: number;
    peakBytesPerSec: number;
    extendedRetentionHours: number;
  };
  router: { recordsPerInvocation: number; sqsCallsPerRoute: number; sqsEntriesPerCall: number };
  /** hitRatio: lookups that read nothing (derived keys or the cache); derivedShare: lookups that verify derived keys. */
  registry: { lookups: number; reads: number; hitRatio: number; derivedShare: number; revocationSetBytes: number };
  dynamodb: {
    readUnits: {
      registry: number;
      changeFeed: number;
      /** Revocation-set loads (cold starts, with the seed read, and periodic reloads). */
      revocations: number;
      c2d: number;
      connections: number;
      routing: number;
      sweeper: number;
    };
    writeUnits: { c2d: number; connections: number };
    storageGb: number;
    pitrGb: number;
    peakRegistryReadUnitsPerSec: number;
  };
  sqs: { routingRequests: number; feedbackRequests: number; fifoRouting: boolean };
  logs: { ingestedGb: number; storedGb: number; systemGb: number; applicationGb: number; metricsGb: number };
  /**
   * customMetrics: billed metric-months (catalogue series and ColdStart per function, each for the
   * share of hours it is published in, cost/metricHours.ts); customMetricSeries: every series the
   * deployment could publish (catalogue × dimension values + ColdStart per function in serverless.yml).
   */
  cloudwatch: {
    customMetrics: number;
    catalogueMetrics: number;
    coldStartMetrics: number;
    customMetricSeries: number;
    alarmMetrics: number;
    dashboards: number;
  };
  c2d: { messages: number; https: number; websocket: number; emptyPolls: number };
}

export interface CacheEstimate {
  /** Registry reads per second that reach DynamoDB. */
  readsPerSecond: number;
  hitRatio: number;
}

/**
 * Registry reads behind the per-instance device cache (lib/auth.ts). Each of `instances` warm
 * Lambda instances holds its own cache; a device's entry is fresh for `ttlSeconds` after the
 * miss that loaded it. With requests arriving at random (Poisson, rate r per device, spread
 * evenly over C instances), one (device, instance) pair misses once per cycle of
 * T + C / r seconds, so misses/s = D·C·r / (r·T + C) = R·C / (r·T + C): every request misses
 * when r·T ≪ C, and each instance refreshes each device once per TTL when r·T ≫ C. When the
 * live entries per instance, D·r·T / (r·T + C), exceed the cache capacity, FIFO eviction
 * shortens lifetimes; the hits are scaled down by capacity / live entries.
 */
export function registryCache(opts: {
  requestsPerSecond: number;
  devices: number;
  ttlSeconds: number;
  instances: number;
  capacity: number;
}): CacheEstimate {
  const R = opts.requestsPerSecond;
  const D = opts.devices;
  if (!(R > 0) || !(D > 0)) return { readsPerSecond: 0, hitRatio: 0 };
  const T = opts.ttlSeconds;
  if (!(T > 0)) return { readsPerSecond: R, hitRatio: 0 };
  const C = Math.max(1, opts.instances);
  const r = R / D;
  const misses = (R * C) / (r * T + C);
  let hits = R - misses;
  const live = (D * r * T) / (r * T + C);
  if (live > opts.capacity) hits *= opts.capacity / live;
  const reads = R - hits;
  return { readsPerSecond: reads, hitRatio: 1 - reads / R };
}

/** Records per router invocation: what one poll of one shard collects, at least 1, at most the batch size. */
export function routerRecordsPerInvocation(opts: {
  recordsPerSecond: number;
  shards: number;
  pollIntervalSeconds: number;
  maximumBatchingWindowSeconds: number;
  batchSize: number;
}): number {
  const perShard = opts.recordsPerSecond / Math.max(1, opts.shards);
  const window = Math.max(opts.pollIntervalSeconds, opts.maximumBatchingWindowSeconds);
  return clamp(perShard * window, 1, opts.batchSize);
}

/** Shards needed for a peak write rate: 1 MiB/s or 1,000 records/s each (at least 1). */
export function shardsFor(peakRecordsPerSec: number, peakBytesPerSec: number): number {
  return Math.max(1, Math.ceil(Math.max(peakRecordsPerSec / 1000, peakBytesPerSec / (1024 * 1024)) - 1e-9));
}

/**
 * Write units of one C2D command's life in the C2D table, by the path its settle takes
 * (lib/c2d/commandQueue.ts): every command is sent, locked once, deleted and its slot released;
 * only an outcome with feedback due is first written as Settled (the outbox), for the share
 * `feedbackFraction` of commands. Record writes are billed at the record's size (`itemWru`).
 */
export function c2dWriteUnitsPerCommand(writes: Assumptions['c2d']['writes'], itemWru: number, feedbackFraction: number): number {
  const units = (step: C2dWriteStep) => step.meta + step.item * itemWru + step.index;
  const always = units(writes.send) + units(writes.lock) + units(writes.delete) + units(writes.release);
  return always + clamp(feedbackFraction, 0, 1) * units(writes.settled);
}

export function computeUsage(
  traffic: TrafficProfile,
  settings: DeploymentSettings,
  a: Assumptions,
  prices: PriceTable,
  kinesisMode?: KinesisMode,
): Usage {
  const hours = prices.hoursPerMonth;
  const days = hours / 24;
  const seconds = hours * 3600;
  const peak = a.peakToAverage;
  const ws = clamp(traffic.websocketFraction, 0, 1);
  const batch = Math.max(1, traffic.batchSize);
  const devices = traffic.devices;
  const wsDevices = devices * ws;
  const httpsDevices = devices - wsDevices;

  // ---- device-to-cloud
  const M = traffic.messagesPerDay * days;
  const Mhttps = M * (1 - ws);
  const Mws = M * ws;
  const size = traffic.messageSizeBytes;
  const bodyB64 = base64Bytes(size);
  const d2cRequests = Mhttps / batch;
  const d2cRequestBytes =
    batch === 1 ? size + a.httpRequestOverheadBytes : batch * (bodyB64 + a.batchEntryOverheadBytes) + a.httpRequestOverheadBytes;
  const httpMeter = prices.apiGateway.http.meterBytes;
  const wsMeter = prices.apiGateway.websocket.meterBytes;

  // ---- cloud-to-device
  const N = devices * traffic.c2dPerDevicePerDay * days;
  const Nhttps = N * (1 - ws);
  const Nws = N * ws;
  const emptyPolls = httpsDevices * a.c2d.emptyPollsPerDevicePerDay * days;
  const c2dSize = traffic.c2dMessageSizeBytes;
  const c2dItemBytes = c2dSize + a.c2d.itemOverheadBytes;
  const c2dItemWru = meteredUnits(c2dItemBytes, 1024);
  const c2dItemRru = meteredUnits(c2dItemBytes, 4096);

  // ---- WebSocket connections: always connected, closed by API Gateway every maxConnectionHours
  const connections = wsDevices * (24 / a.websocket.maxConnectionHours) * days;
  const framesPerWsDevicePerDay = devices > 0 ? traffic.messagesPerDay / devices / batch : 0;
  const heartbeatsPerDevicePerDay =
    a.websocket.heartbeatSeconds > 0 ? Math.max(0, 86400 / a.websocket.heartbeatSeconds - framesPerWsDevicePerDay) : 0;
  const heartbeats = wsDevices * heartbeatsPerDevicePerDay * days;
  const sendFrames = Mws / batch;
  const sendFrameBytes = batch * (bodyB64 + a.websocket.frameOverheadBytes);
  const pushFrameBytes = base64Bytes(c2dSize) + a.websocket.frameOverheadBytes;
  const inboundFrames = sendFrames + Nws + heartbeats; // sends, settles, heartbeats
  // lib/ws/socketService.ts acks every message of a sendBatch in its own frame.
  const outboundFrames = Mws + Nws + Nws + heartbeats * a.websocket.heartbeatReplies; // acks, pushes, settle replies, heartbeat replies
  const wsBilled =
    sendFrames * meteredUnits(sendFrameBytes, wsMeter) +
    Nws * meteredUnits(a.websocket.frameOverheadBytes, wsMeter) +
    heartbeats +
    Mws * meteredUnits(a.websocket.ackBytes, wsMeter) +
    Nws * meteredUnits(pushFrameBytes, wsMeter) +
    Nws * meteredUnits(a.websocket.ackBytes, wsMeter) +
    heartbeats * a.websocket.heartbeatReplies;
  const callbacks = outboundFrames; // every outbound frame is a POST to the @connections API

  // ---- HTTP API requests: the service API always; the device API only when devices come through the
  // HTTP API (a Lambda function URL has no per-request fee: the device function's requests are Lambda's).
  const c2dSendBytes = c2dSize + a.httpRequestOverheadBytes;
  const deviceRequests = d2cRequests + Nhttps + emptyPolls + Nhttps; // sends, receives, empty polls, completes
  const deviceBilled = d2cRequests * meteredUnits(d2cRequestBytes, httpMeter) + (Nhttps + emptyPolls + Nhttps) * 1;
  const viaHttpApi = settings.deviceFrontDoor === 'httpApi';
  const httpRequests = N + (viaHttpApi ? deviceRequests : 0);
  const httpBilled = N * meteredUnits(c2dSendBytes, httpMeter) + (viaHttpApi ? deviceBilled : 0);

  // ---- Kinesis
  const recordBytes = bodyB64 + a.envelopeOverheadBytes;
  const eventRecords = 2 * connections; // DeviceConnectionStateEvents: connected + disconnected
  const records = M + eventRecords;
  const avgRecordBytes = records > 0 ? (M * recordBytes + eventRecords * a.envelopeOverheadBytes) / records : 0;
  const recordsPerSecond = records / seconds;
  const peakRecordsPerSec = recordsPerSecond * peak;
  const peakBytesPerSec = peakRecordsPerSec * avgRecordBytes;
  const requiredShards = shardsFor(peakRecordsPerSec, peakBytesPerSec);
  const mode = kinesisMode ?? settings.kinesis.mode;
  const configuredShards = settings.kinesis.shardCount;
  const billedShards = Math.max(configuredShards, requiredShards);
  const polledShards = mode === 'on-demand' ? Math.max(a.kinesis.onDemandMinimumShards, requiredShards) : billedShards;
  const putPayloadUnits = M * meteredUnits(recordBytes, prices.kinesis.provisioned.putPayloadUnitBytes) + eventRecords;
  const odMeter = prices.kinesis.onDemand.meterBytes;
  const ingestGb =
    (M * meteredUnits(recordBytes, odMeter) * odMeter + eventRecords * meteredUnits(a.envelopeOverheadBytes, odMeter) * odMeter) / GIB;
  const retrievalGb = ingestGb * (1 + a.kinesis.builtInEndpointReaders);

  // ---- router
  const rpi =
    a.router.recordsPerInvocation !== null
      ? Math.max(1, a.router.recordsPerInvocation)
      : routerRecordsPerInvocation({
          recordsPerSecond,
          shards: polledShards,
          pollIntervalSeconds: a.router.pollIntervalSeconds,
          maximumBatchingWindowSeconds: settings.router.maximumBatchingWindowSeconds,
          batchSize: settings.router.batchSize,
        });
  const routerInvocations = records > 0 ? records / rpi : 0;
  const match = clamp(a.router.routeMatchFraction, 0, 1);
  const routed = M * match; // telemetry copies per route
  const telemetryPerInvocation = records > 0 ? (rpi * M) / records : 0;
  const sqsMessageBytes = recordBytes + a.router.sqsMessageOverheadBytes;
  const maxEntries = Math.max(1, Math.min(a.router.sqsBatchEntries, Math.floor((1024 * 1024) / sqsMessageBytes)));
  // Per invocation and route: m matching records go out in ceil(m / maxEntries) SendMessageBatch calls
  // (fewer than one matching record on average: one call per matching record).
  const matchedPerInvocation = telemetryPerInvocation * match;
  const callsPerInvocation = matchedPerInvocation < 1 ? matchedPerInvocation : Math.ceil(matchedPerInvocation / maxEntries - 1e-9);
  const entriesPerCall = callsPerInvocation > 0 ? matchedPerInvocation / callsPerInvocation : 1;
  const callsPerRoute = routed > 0 ? routerInvocations * callsPerInvocation : 0;
  const billedPerCall = meteredUnits(entriesPerCall * sqsMessageBytes, prices.sqs.meterBytes);
  const routingRequests = traffic.routes * callsPerRoute * billedPerCall;

  // ---- functions
  const fx = a.functions;
  const calls: Record<FunctionRole, { invocations: number; ms: number }> = {
    deviceApi: {
      invocations: d2cRequests + Nhttps + emptyPolls + Nhttps,
      // Each kind of call at its own duration (measured by npm run bench where cost/measured.json has it).
      ms:
        d2cRequests * (fx.deviceApi.invocationMs + fx.deviceApi.perItemMs * batch) +
        Nhttps * a.deviceApiC2d.receiveMs +
        emptyPolls * a.deviceApiC2d.emptyPollMs +
        Nhttps * a.deviceApiC2d.completeMs,
    },
    serviceApi: { invocations: N, ms: N * fx.serviceApi.invocationMs },
    router: { invocations: routerInvocations, ms: routerInvocations * (fx.router.invocationMs + fx.router.perItemMs * rpi) },
    wsConnect: { invocations: connections, ms: connections * fx.wsConnect.invocationMs },
    wsDisconnect: { invocations: connections, ms: connections * fx.wsDisconnect.invocationMs },
    wsMessage: {
      invocations: inboundFrames,
      ms: sendFrames * (fx.wsMessage.invocationMs + fx.wsMessage.perItemMs * batch) + (Nws + heartbeats) * fx.wsMessage.invocationMs,
    },
    sweeper: (() => {
      const runs = (settings.sweeper.fromServerlessYml ? settings.sweeper.runsPerDay : a.c2d.sweeperRunsPerDay) * days;
      return { invocations: runs, ms: runs * fx.sweeper.invocationMs };
    })(),
  };
  // ---- what each invocation logs, by the levels in serverless.yml (lib/log.ts, lib/metrics.ts)
  const lg = settings.logging;
  const levelRank = (l: string) => ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].indexOf(l.toUpperCase());
  // Lambda filters platform records by level only in JSON format (WARN drops platform.start/report);
  // Text format always writes START, END and REPORT.
  const systemOn = lg.format === 'Text' || levelRank(lg.systemLevel) <= levelRank('INFO');
  const systemBytes = lg.format === 'Text' ? a.logs.textSystemBytesPerInvocation : a.logs.systemBytesPerInvocation;
  const systemEvents = lg.format === 'Text' ? a.logs.textSystemEventsPerInvocation : a.logs.systemEventsPerInvocation;
  const appInfo = levelRank(lg.applicationLevel) <= levelRank('INFO') ? 1 : 0;
  const appDebug = levelRank(lg.applicationLevel) <= levelRank('DEBUG') ? 1 : clamp(lg.debugSampleRate, 0, 1);
  const logParts = { system: 0, application: 0, metrics: 0 };
  const functions = {} as Record<FunctionRole, FunctionUsage>;
  for (const role of FUNCTION_ROLES) {
    const s = settings.functions[role];
    const { invocations, ms } = calls[role];
    const avgMs = invocations > 0 ? ms / invocations : 0;
    const avgConcurrency = (invocations / seconds) * (avgMs / 1000);
    const system = systemOn ? invocations * systemBytes : 0;
    const application = invocations * (appInfo * fx[role].logBytesPerInvocation + appDebug * fx[role].debugLogBytesPerInvocation);
    // EMF: each instance publishes its aggregated metrics once per flush interval (lib/metrics.ts);
    // instances kept warm for the peak concurrency share the invocations. The router writes one more
    // line per endpoint it delivered to (RoutedCopies by Endpoint).
    const emf = lg.metricsEnabled
      ? emfVolume({
          invocations,
          seconds,
          instances: Math.max(1, Math.ceil(avgConcurrency * peak)),
          flushIntervalMs: lg.metricsFlushIntervalMs,
          bytesPerFlush: fx[role].emfBytesPerFlush + (role === 'router' ? traffic.routes * a.metrics.emfBytesPerEndpoint : 0),
          valueBytesPerInvocation: fx[role].emfValueBytesPerInvocation,
          invocationsPerLine: fx[role].emfInvocationsPerLine,
        }).bytes
      : 0;
    logParts.system += system;
    logParts.application += application;
    logParts.metrics += emf;
    functions[role] = {
      role,
      name: s.name,
      memoryMb: s.memoryMb,
      architecture: s.architecture,
      inServerlessYml: s.inServerlessYml,
      invocations,
      avgMs,
      gbSeconds: (ms / 1000) * (s.memoryMb / 1024),
      logBytes: system + application + emf,
      logEvents: (systemOn ? invocations * systemEvents : 0) + (application + emf) / Math.max(1, a.logs.bytesPerLine),
      avgConcurrency,
      peakConcurrency: avgConcurrency * peak,
    };
  }

  // ---- registry reads (device cache per Lambda instance; lib/auth.ts and the settings in serverless.yml)
  const reg = settings.registryReads;
  const missConsistent = reg.missReadConsistent ?? a.registry.consistentRead;
  const rruPerRegistryRead = meteredUnits(a.registry.deviceItemBytes, 4096) * (missConsistent ? 1 : 0.5);
  const ttlSeconds = reg.cacheTtlMs / 1000;
  const cacheCapacity = reg.maxEntries ?? a.registry.cacheMaxEntries;
  const httpsAuth = functions.deviceApi.invocations / seconds;
  // Derived keys (lib/auth.ts): a device token of a derived-key device outside the revocation set
  // verifies without the registry; only the rest of the device tokens reach the cache. Needs the
  // change feed (the revocation set follows it). WebSocket frames re-check the device through the
  // cache (lib/ws/socketService.ts), so they keep reading it.
  const derived = reg.mode === 'changeFeed' && reg.derivedKeyFastPath ? clamp(a.registry.derivedKeyShare, 0, 1) : 0;
  const revoked = clamp(a.registry.revokedShare, 0, 1);
  const registryPathShare = 1 - derived * (1 - revoked);
  const httpsCache = registryCache({
    requestsPerSecond: httpsAuth * registryPathShare,
    devices: httpsDevices * registryPathShare,
    ttlSeconds,
    instances: functions.deviceApi.avgConcurrency,
    capacity: cacheCapacity,
  });
  const connectAuth = connections / seconds;
  const connectCache = registryCache({
    requestsPerSecond: connectAuth * registryPathShare,
    devices: wsDevices * registryPathShare,
    ttlSeconds,
    instances: functions.wsConnect.avgConcurrency,
    capacity: cacheCapacity,
  });
  // Every frame re-checks the device (cached like HTTPS auth) and finds its connection (cached per instance).
  const frameRate = inboundFrames / seconds;
  const frameCache = registryCache({
    requestsPerSecond: frameRate,
    devices: wsDevices,
    ttlSeconds,
    instances: functions.wsMessage.avgConcurrency,
    capacity: cacheCapacity,
  });
  const connectionLookups = registryCache({
    requestsPerSecond: frameRate,
    devices: wsDevices,
    ttlSeconds: a.websocket.connectionCacheSeconds,
    instances: functions.wsMessage.avgConcurrency,
    capacity: a.registry.cacheMaxEntries,
  });
  const lookups = (httpsAuth + connectAuth + frameRate) * seconds;
  const registryReads = (httpsCache.readsPerSecond + connectCache.readsPerSecond + frameCache.readsPerSecond) * seconds;
  // The change feed: each instance that authenticates reads the shared item (strongly consistent) at
  // most once per poll interval, and only while it serves requests.
  const feedReadsPerSecond = (fn: FunctionUsage): number => {
    if (reg.changePollMs === null || fn.invocations <= 0) return 0;
    const instances = Math.max(1, fn.avgConcurrency);
    const perInstance = Math.min(fn.invocations / seconds / instances, reg.changePollMs > 0 ? 1000 / reg.changePollMs : Infinity);
    return instances * perInstance;
  };
  const changeFeedReads =
    (feedReadsPerSecond(functions.deviceApi) + feedReadsPerSecond(functions.wsConnect) + feedReadsPerSecond(functions.wsMessage)) * seconds;
  // The revocation set (lib/registry/revocations.ts): every instance that authenticates devices
  // loads it whole — one strongly consistent Query — at its cold start (plus one read of the
  // seed) and again every DEVICE_AUTH_CACHE_TTL_MS while it lives.
  // Loaded whenever the fast path is on, whatever share of devices holds derived keys: it lists
  // every id ever disabled or deleted, derived keys or not.
  const fastPath = reg.mode === 'changeFeed' && reg.derivedKeyFastPath;
  const revocationSetBytes = fastPath ? devices * revoked * a.registry.revocationItemBytes : 0;
  const rruPerRevocationLoad = meteredUnits(revocationSetBytes, 4096);
  const revocationLoads = (fn: FunctionUsage): { coldStarts: number; reloads: number } => {
    if (!fastPath || fn.invocations <= 0) return { coldStarts: 0, reloads: 0 };
    const coldStarts =
      coldStartsPerHour({
        invocationsPerHour: fn.invocations / hours,
        instances: fn.avgConcurrency,
        lifetimeHours: a.customMetrics.environmentLifetimeHours,
        idleMinutes: a.customMetrics.idleEnvironmentMinutes,
      }) * hours;
    const reloads = reg.cacheTtlMs > 0 ? Math.max(1, fn.avgConcurrency) * (seconds / (reg.cacheTtlMs / 1000)) : 0;
    return { coldStarts, reloads };
  };
  const loads = [functions.deviceApi, functions.wsConnect, functions.wsMessage].map(revocationLoads);
  const revocationColdLoads = loads.reduce((sum, l) => sum + l.coldStarts, 0);
  const revocationReloads = loads.reduce((sum, l) => sum + l.reloads, 0);

  // ---- routing table reloads: every router instance rescans the table when its copy is older than
  // ROUTING_CACHE_TTL_MS and a batch arrives (lib/routing/router.ts), a Scan billed per 4 KB read.
  const routerInstances = Math.max(1, polledShards * settings.router.parallelizationFactor);
  const routerInvocationsPerInstance = routerInvocations / seconds / routerInstances;
  const reloadsPerInstancePerSecond =
    settings.routingCacheTtlMs > 0
      ? Math.min(routerInvocationsPerInstance, 1000 / settings.routingCacheTtlMs)
      : routerInvocationsPerInstance;
  const routingItems = 1 + 3 * traffic.routes; // fallback/health records + a route, its endpoint and its health per route
  const rruPerRoutingScan = meteredUnits(routingItems * a.router.routingItemBytes, 4096) * (a.router.routingScanConsistent ? 1 : 0.5);
  const routingReloads = records > 0 ? routerInstances * reloadsPerInstancePerSecond * seconds : 0;

  // ---- DynamoDB request units
  const readUnits = {
    registry: registryReads * rruPerRegistryRead,
    c2d:
      N * a.c2d.registryReadsPerSend * rruPerRegistryRead +
      N * (a.c2d.metaReadsPerMessage + a.c2d.itemReadsPerMessage * c2dItemRru) +
      emptyPolls * a.c2d.emptyPollReadUnits,
    connections:
      connections * a.websocket.disconnectReadUnits +
      Nws * a.websocket.pushReadUnits +
      connectionLookups.readsPerSecond * seconds * a.websocket.connectionLookupReadUnits,
    routing: routingReloads * rruPerRoutingScan,
    changeFeed: changeFeedReads * meteredUnits(a.registry.changeFeedItemBytes, 4096),
    revocations: revocationColdLoads * (rruPerRevocationLoad + 1) + revocationReloads * rruPerRevocationLoad,
    sweeper: functions.sweeper.invocations * a.c2d.sweeperReadUnitsPerRun,
  };
  const writeUnits = {
    c2d: N * c2dWriteUnitsPerCommand(a.c2d.writes, c2dItemWru, a.c2d.feedbackFraction),
    connections: connections * (a.websocket.connectWrites + a.websocket.disconnectWrites),
  };
  const devicesGb = (devices * a.registry.deviceItemBytes) / GIB;
  const connectionsGb = (wsDevices * 2 * a.dynamodbStorage.connectionItemBytes) / GIB;

  // ---- SQS
  const feedbackRequests = N * clamp(a.c2d.feedbackFraction, 0, 1);

  // ---- CloudWatch Logs
  const logBytes = FUNCTION_ROLES.reduce((sum, role) => sum + functions[role].logBytes, 0);
  const logEvents = FUNCTION_ROLES.reduce((sum, role) => sum + functions[role].logEvents, 0);
  const ingestedGb = logBytes / GIB;
  const retainedMonths = settings.logRetentionDays === null ? 1 : settings.logRetentionDays / days;
  const storedGb = ((logBytes + logEvents * a.logs.metadataBytesPerEvent) / GIB) * a.logs.storageCompressionRatio * retainedMonths;

  // ---- custom metrics: each series billed for the share of hours it is published in (cost/metricHours.ts)
  const perHour = (n: number) => n / hours;
  const catalogue = catalogueMetricHours(
    {
      httpsSends: perHour(d2cRequests),
      wsSendFrames: perHour(sendFrames),
      batchSize: batch,
      wsPings: perHour(heartbeats),
      wsConnects: perHour(connections),
      c2dSends: perHour(N),
      c2dHttpsDeliveries: perHour(Nhttps),
      c2dWsDeliveries: perHour(Nws),
      c2dCompletes: perHour(N),
      routerBatches: perHour(routerInvocations),
      routedCopiesPerEndpoint: traffic.routes > 0 ? perHour(routed) : 0,
      endpoints: traffic.routes,
    },
    a.customMetrics.exceptionalSeriesPerHour,
  );
  // Powertools' ColdStart: one series per function (function_name), in the hours it starts cold.
  // Functions the model does not invoke (registry, routing, events APIs, console) count none.
  const coldStartsByFunction = new Map<string, number>();
  for (const role of FUNCTION_ROLES) {
    const f = functions[role];
    const starts = coldStartsPerHour({
      invocationsPerHour: perHour(f.invocations),
      instances: f.avgConcurrency,
      lifetimeHours: a.customMetrics.environmentLifetimeHours,
      idleMinutes: a.customMetrics.idleEnvironmentMinutes,
    });
    coldStartsByFunction.set(f.name, (coldStartsByFunction.get(f.name) ?? 0) + starts);
  }
  const coldStartMonths = [...coldStartsByFunction.values()].reduce((sum, starts) => sum + hourShare(starts), 0);

  return {
    month: { hours, days, seconds },
    messages: { total: M, https: Mhttps, websocket: Mws, perSecondAvg: M / seconds, perSecondPeak: (M / seconds) * peak },
    http: { requests: httpRequests, billedRequests: httpBilled, peakRps: (httpRequests / seconds) * peak },
    deviceApi: { frontDoor: settings.deviceFrontDoor, requests: deviceRequests, peakRps: (deviceRequests / seconds) * peak },
    routing: { reloads: routingReloads, readUnitsPerReload: rruPerRoutingScan, cacheTtlMs: settings.routingCacheTtlMs },
    websocket: {
      devices: wsDevices,
      connectionMinutes: wsDevices * hours * 60,
      connections,
      inboundFrames,
      outboundFrames,
      billedMessages: wsBilled,
      callbacks,
      peakNewConnectionsPerSec: (connections / seconds) * peak,
      peakMessagesPerSec: ((inboundFrames + callbacks) / seconds) * peak,
    },
    functions,
    kinesis: {
      mode,
      records,
      recordBytes,
      putPayloadUnits,
      ingestGb,
      retrievalGb,
      configuredShards,
      requiredShards,
      billedShards,
      polledShards,
      peakRecordsPerSec,
      peakBytesPerSec,
      extendedRetentionHours: Math.max(0, settings.kinesis.retentionHours - 24),
    },
    router: { recordsPerInvocation: rpi, sqsCallsPerRoute: callsPerRoute, sqsEntriesPerCall: entriesPerCall },
    registry: {
      lookups,
      reads: registryReads,
      hitRatio: lookups > 0 ? 1 - registryReads / lookups : 0,
      derivedShare: lookups > 0 ? ((httpsAuth + connectAuth) * (1 - registryPathShare) * seconds) / lookups : 0,
      revocationSetBytes,
    },
    dynamodb: {
      readUnits,
      writeUnits,
      storageGb: devicesGb + connectionsGb,
      pitrGb: settings.devicesTablePitr ? devicesGb : 0,
      peakRegistryReadUnitsPerSec:
        ((readUnits.registry + readUnits.changeFeed + readUnits.revocations + readUnits.c2d + readUnits.connections) / seconds) * peak,
    },
    sqs: { routingRequests, feedbackRequests, fifoRouting: a.router.endpointFifo },
    logs: {
      ingestedGb,
      storedGb,
      systemGb: logParts.system / GIB,
      applicationGb: logParts.application / GIB,
      metricsGb: logParts.metrics / GIB,
    },
    cloudwatch: {
      customMetrics: lg.metricsEnabled ? catalogue.metricMonths + coldStartMonths : 0,
      catalogueMetrics: lg.metricsEnabled ? catalogue.metricMonths : 0,
      coldStartMetrics: lg.metricsEnabled ? coldStartMonths : 0,
      customMetricSeries: lg.metricsEnabled ? catalogue.series + settings.monitoring.functions : 0,
      alarmMetrics: settings.monitoring.alarmMetrics,
      dashboards: settings.monitoring.dashboards,
    },
    c2d: { messages: N, https: Nhttps, websocket: Nws, emptyPolls },
  };
}
