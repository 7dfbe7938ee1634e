/**
 * What the cost depends on in a resolved serverless.yml: memory and architecture per function,
 * the router's Kinesis event source (batch size, parallelization factor, batching window), the
 * events stream's capacity mode and shard count, log retention, the registry cache TTL. Functions
 * are found by what they do (their events), not by name; a part of the design that serverless.yml
 * does not define yet is costed with the provider defaults and reported as assumed. Pure.
 */
import { isCreated } from './cfnConditions';
import {
  FUNCTION_ROLES,
  type Architecture,
  type DeploymentSettings,
  type FunctionRole,
  type FunctionSettings,
  type DeviceFrontDoor,
  type KinesisMode,
  type RegistryReadSettings,
} from './types';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

function arch(v: unknown): Architecture | undefined {
  return v === 'arm64' || v === 'x86_64' ? v : undefined;
}

/** Lambda's default memory when neither the function nor the provider sets one. */
const LAMBDA_DEFAULT_MEMORY_MB = 1024;
/** Event source mapping defaults for Kinesis (Lambda developer guide, services-kinesis-parameters). */
const KINESIS_ESM_DEFAULTS = { batchSize: 100, parallelizationFactor: 1, maximumBatchingWindowSeconds: 0 };
const DEFAULT_SWEEPER_RUNS_PER_DAY = 1440;
/** lib/config.ts defaults, for a stack that does not set the variable. */
const ROUTING_CACHE_TTL_DEFAULT_MS = 5000;
const DEVICE_CACHE_TTL_DEFAULT_MS = 10_000;
const DEVICE_AUTH_CACHE_TTL_DEFAULT_MS = 3_600_000;
const DEVICE_AUTH_CACHE_MAX_ENTRIES_DEFAULT = 150_000;
const METRICS_FLUSH_INTERVAL_DEFAULT_MS = 60_000;

/**
 * How authentication reads the registry, from the function environment: with REGISTRY_CHANGE_POLL_MS
 * the long-lived cache behind the registry change feed (lib/registry/deviceCache.ts: misses read
 * eventually consistently, every instance polls the feed item); without it the DEVICE_CACHE_TTL_MS
 * cache whose misses read consistently.
 */
function registryReads(environment: Obj): RegistryReadSettings {
  const poll = num(environment.REGISTRY_CHANGE_POLL_MS);
  if (poll === undefined) {
    return {
      mode: 'ttl',
      cacheTtlMs: num(environment.DEVICE_CACHE_TTL_MS) ?? DEVICE_CACHE_TTL_DEFAULT_MS,
      maxEntries: null,
      changePollMs: null,
      missReadConsistent: null,
      derivedKeyFastPath: false,
      from: ['DEVICE_CACHE_TTL_MS'],
    };
  }
  return {
    mode: 'changeFeed',
    cacheTtlMs: num(environment.DEVICE_AUTH_CACHE_TTL_MS) ?? DEVICE_AUTH_CACHE_TTL_DEFAULT_MS,
    maxEntries: num(environment.DEVICE_AUTH_CACHE_MAX_ENTRIES) ?? DEVICE_AUTH_CACHE_MAX_ENTRIES_DEFAULT,
    changePollMs: poll,
    missReadConsistent: false,
    // lib/config.ts: on unless the stack sets DERIVED_KEY_FAST_PATH=off.
    derivedKeyFastPath: environment.DERIVED_KEY_FAST_PATH !== 'off',
    from: ['REGISTRY_CHANGE_POLL_MS', 'DEVICE_AUTH_CACHE_TTL_MS', 'DEVICE_AUTH_CACHE_MAX_ENTRIES', 'DERIVED_KEY_FAST_PATH'],
  };
}

interface HttpRoute {
  method: string;
  path: string;
}

function events(fn: Obj): Obj[] {
  return Array.isArray(fn.events) ? fn.events.filter(isObj) : [];
}

function httpRoutes(fn: Obj): HttpRoute[] {
  return events(fn).flatMap((e): HttpRoute[] => {
    const h = e.httpApi;
    if (typeof h === 'string') {
      const [method = '*', path = '*'] = h.trim().split(/\s+/);
      return [{ method: method.toUpperCase(), path }];
    }
    if (isObj(h)) return [{ method: String(h.method ?? '*').toUpperCase(), path: String(h.path ?? '*') }];
    return [];
  });
}

/** A Lambda function URL on the function (`url: true` or `url: { ... }`). */
function hasUrl(fn: Obj): boolean {
  return fn.url === true || isObj(fn.url) || fn.url === 'true';
}

function wsRoutes(fn: Obj): string[] {
  return events(fn).flatMap((e) => {
    const w = e.websocket;
    if (typeof w === 'string') return [w];
    if (isObj(w) && typeof w.route === 'string') return [w.route];
    return [];
  });
}

function streamEvents(fn: Obj): Obj[] {
  return events(fn).flatMap((e) => {
    const s = e.stream;
    if (typeof s === 'string') return [{ arn: s }];
    if (isObj(s) && (s.type === undefined || s.type === 'kinesis')) return [s];
    return [];
  });
}

function scheduleRates(fn: Obj): string[] {
  return events(fn).flatMap((e) => {
    const s = e.schedule;
    if (typeof s === 'string') return [s];
    if (isObj(s) && s.enabled !== false) return Array.isArray(s.rate) ? s.rate.map(String) : s.rate !== undefined ? [String(s.rate)] : [];
    return [];
  });
}

/** Runs a day of `rate(5 minutes)`; cron expressions are not interpreted (undefined). */
export function runsPerDay(expression: string): number | undefined {
  const m = /^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$/.exec(expression.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  if (!(n > 0)) return undefined;
  const unit = m[2] ?? 'minute';
  const perDay = unit.startsWith('minute') ? 1440 : unit.startsWith('hour') ? 24 : 1;
  return perDay / n;
}

/** The resources the stack creates: those whose CloudFormation condition holds. */
function resourcesOf(service: Obj): Record<string, Obj> {
  const all: Record<string, Obj> = {};
  const conditions: Record<string, unknown> = {};
  const add = (fragment: unknown): void => {
    if (!isObj(fragment)) return;
    const res = fragment.Resources;
    if (isObj(res)) for (const [id, r] of Object.entries(res)) if (isObj(r)) all[id] = r;
    if (isObj(fragment.Conditions)) Object.assign(conditions, fragment.Conditions);
  };
  const r = service.resources;
  if (Array.isArray(r)) r.forEach(add);
  else add(r);
  return Object.fromEntries(Object.entries(all).filter(([, resource]) => isCreated(conditions, resource)));
}

function mentions(value: unknown, text: string): boolean {
  return JSON.stringify(value ?? null).includes(text);
}

/** Derives the cost-relevant settings from a serverless.yml whose variables are resolved. */
export function deriveSettings(resolved: unknown): DeploymentSettings {
  if (!isObj(resolved)) throw new Error('serverless.yml did not parse to an object');
  const provider = isObj(resolved.provider) ? resolved.provider : {};
  const functions: Record<string, Obj> = {};
  if (isObj(resolved.functions)) for (const [name, fn] of Object.entries(resolved.functions)) if (isObj(fn)) functions[name] = fn;
  const resources = resourcesOf(resolved);
  const notes: string[] = [];

  const providerMemory = num(provider.memorySize) ?? LAMBDA_DEFAULT_MEMORY_MB;
  const providerArch = arch(provider.architecture) ?? 'x86_64';
  const find = (test: (fn: Obj, name: string) => boolean): string | undefined =>
    Object.keys(functions).find((name) => test(functions[name] ?? {}, name));

  // The events stream: the resource called EventsStream, else the only Kinesis stream.
  const streams = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Kinesis::Stream');
  const eventsStream = streams.find(([id]) => id === 'EventsStream') ?? (streams.length === 1 ? streams[0] : undefined);
  const eventsId = eventsStream?.[0] ?? 'EventsStream';

  const roleNames: Record<FunctionRole, string | undefined> = {
    deviceApi:
      find((fn) => httpRoutes(fn).some((r) => r.path.includes('/messages/events'))) ??
      find((fn) => httpRoutes(fn).some((r) => r.path.includes('/messages/devicebound') && r.method === 'GET')) ??
      find((fn, name) => hasUrl(fn) && /device/i.test(`${name} ${String(fn.handler ?? '')}`)) ??
      find((fn) => /deviceApi/.test(String(fn.handler))),
    serviceApi:
      find((fn) => httpRoutes(fn).some((r) => r.method === 'POST' && /^\/devices\/\{[^}]+\}\/messages\/devicebound$/i.test(r.path))) ??
      find((fn) => httpRoutes(fn).some((r) => /^\/devices\/\{[^}]+\}$/.test(r.path))),
    router: find((fn) => streamEvents(fn).some((s) => mentions(s.arn, eventsId))) ?? find((fn) => streamEvents(fn).length > 0),
    wsConnect: find((fn) => wsRoutes(fn).includes('$connect')),
    wsDisconnect: find((fn) => wsRoutes(fn).includes('$disconnect')),
    wsMessage: find((fn) => wsRoutes(fn).includes('send')) ?? find((fn) => wsRoutes(fn).includes('$default')),
    sweeper: find((fn) => scheduleRates(fn).length > 0),
  };

  const fnSettings = {} as Record<FunctionRole, FunctionSettings>;
  const assumed: string[] = [];
  for (const role of FUNCTION_ROLES) {
    const name = roleNames[role];
    const fn = name !== undefined ? functions[name] : undefined;
    if (name === undefined || fn === undefined) assumed.push(role);
    fnSettings[role] = {
      role,
      name: name ?? role,
      memoryMb: num(fn?.memorySize) ?? providerMemory,
      architecture: arch(fn?.architecture) ?? providerArch,
      inServerlessYml: fn !== undefined,
    };
  }
  if (assumed.length > 0) {
    notes.push(`not in serverless.yml yet, costed with the provider's ${providerMemory} MB ${providerArch}: ${assumed.join(', ')}`);
  }

  // The router's event source mapping.
  const routerFn = roleNames.router !== undefined ? functions[roleNames.router] : undefined;
  const routerStream = routerFn ? (streamEvents(routerFn).find((s) => mentions(s.arn, eventsId)) ?? streamEvents(routerFn)[0]) : undefined;
  const router = {
    batchSize: num(routerStream?.batchSize) ?? KINESIS_ESM_DEFAULTS.batchSize,
    parallelizationFactor: num(routerStream?.parallelizationFactor) ?? KINESIS_ESM_DEFAULTS.parallelizationFactor,
    // serverless.yml spells the window `batchWindow` for stream events (CloudFormation: MaximumBatchingWindowInSeconds).
    maximumBatchingWindowSeconds:
      num(routerStream?.batchWindow ?? routerStream?.maximumBatchingWindow) ?? KINESIS_ESM_DEFAULTS.maximumBatchingWindowSeconds,
    fromServerlessYml: routerStream !== undefined,
  };

  // The sweeper's schedule.
  const sweeperFn = roleNames.sweeper !== undefined ? functions[roleNames.sweeper] : undefined;
  let sweeperRuns: number | undefined;
  if (sweeperFn) {
    const rates = scheduleRates(sweeperFn).map(runsPerDay);
    if (rates.every((r): r is number => r !== undefined)) sweeperRuns = rates.reduce((a, b) => a + b, 0);
    else notes.push(`the sweeper's schedule is a cron expression; assumed ${DEFAULT_SWEEPER_RUNS_PER_DAY} runs a day`);
  }

  // The events stream.
  const streamProps = isObj(eventsStream?.[1].Properties) ? eventsStream[1].Properties : {};
  const modeDetails = isObj(streamProps.StreamModeDetails) ? streamProps.StreamModeDetails : {};
  const mode: KinesisMode = modeDetails.StreamMode === 'ON_DEMAND' ? 'on-demand' : 'provisioned';
  const shardCount = num(streamProps.ShardCount) ?? 1;
  if (!eventsStream) notes.push('no Kinesis stream resource found; assumed a provisioned stream with 1 shard');

  const environment = isObj(provider.environment) ? provider.environment : {};
  const devicesTable = resources.DevicesTable;
  const devicesProps = isObj(devicesTable?.Properties) ? devicesTable.Properties : {};
  const pitr = isObj(devicesProps.PointInTimeRecoverySpecification) ? devicesProps.PointInTimeRecoverySpecification : {};

  // Logging: Lambda's controls (provider.logs.lambda) and Powertools' settings (environment).
  const providerLogs = isObj(provider.logs) && isObj(provider.logs.lambda) ? provider.logs.lambda : {};
  const upper = (v: unknown, fallback: string) => (typeof v === 'string' && v.trim() !== '' ? v.trim().toUpperCase() : fallback);
  // Without LoggingConfig Lambda writes its platform records and every application line.
  // Lambda filters by level only for JSON logs; in Text format it writes every platform line.
  const format = upper(providerLogs.logFormat, 'TEXT') === 'JSON' ? ('JSON' as const) : ('Text' as const);
  const logging = {
    format,
    applicationLevel: upper(providerLogs.applicationLogLevel ?? environment.POWERTOOLS_LOG_LEVEL, 'INFO'),
    systemLevel: upper(providerLogs.systemLogLevel, 'INFO'),
    debugSampleRate: num(environment.POWERTOOLS_LOGGER_SAMPLE_RATE) ?? 0,
    metricsEnabled: String(environment.POWERTOOLS_METRICS_DISABLED ?? 'false').toLowerCase() !== 'true',
    metricsFlushIntervalMs: num(environment.METRICS_FLUSH_INTERVAL_MS) ?? METRICS_FLUSH_INTERVAL_DEFAULT_MS,
  };

  // Alarms are billed per metric they watch (a metric-math alarm: each metric in it).
  const alarms = Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
  const alarmMetrics = alarms.reduce((n, r) => {
    const props = isObj(r.Properties) ? r.Properties : {};
    const queries = Array.isArray(props.Metrics) ? props.Metrics.filter((q) => isObj(q) && isObj(q.MetricStat)) : [];
    return n + (props.MetricName !== undefined ? 1 : queries.length);
  }, 0);
  const monitoring = {
    alarms: alarms.length,
    alarmMetrics,
    dashboards: Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Dashboard').length,
    functions: Object.keys(functions).length,
  };

  // The device front door: the device function's URL unless the device routes are on the HTTP API.
  const deviceFn = roleNames.deviceApi !== undefined ? functions[roleNames.deviceApi] : undefined;
  const deviceRoutesOnHttpApi =
    deviceFn !== undefined && httpRoutes(deviceFn).some((r) => r.path.includes('/messages/events') || r.path.includes('/messages/device'));
  const frontDoorEnv = typeof environment.DEVICE_FRONT_DOOR === 'string' ? environment.DEVICE_FRONT_DOOR : undefined;
  let deviceFrontDoor: DeviceFrontDoor;
  if (frontDoorEnv === 'functionUrl' || frontDoorEnv === 'httpApi') deviceFrontDoor = frontDoorEnv;
  else deviceFrontDoor = deviceFn !== undefined && hasUrl(deviceFn) && !deviceRoutesOnHttpApi ? 'functionUrl' : 'httpApi';
  if (deviceFrontDoor === 'functionUrl' && deviceFn !== undefined && !hasUrl(deviceFn)) {
    notes.push('DEVICE_FRONT_DOOR says functionUrl but the device function has no url: priced as a function URL');
  }

  return {
    region: typeof provider.region === 'string' ? provider.region : 'us-east-1',
    functions: fnSettings,
    router,
    sweeper: { runsPerDay: sweeperRuns ?? DEFAULT_SWEEPER_RUNS_PER_DAY, fromServerlessYml: sweeperRuns !== undefined },
    kinesis: { mode, shardCount, retentionHours: num(streamProps.RetentionPeriodHours) ?? 24 },
    logRetentionDays: num(provider.logRetentionInDays) ?? null,
    deviceCacheTtlMs: num(environment.DEVICE_CACHE_TTL_MS) ?? 10_000,
    deviceFrontDoor,
    registryReads: registryReads(environment),
    routingCacheTtlMs: num(environment.ROUTING_CACHE_TTL_MS) ?? ROUTING_CACHE_TTL_DEFAULT_MS,
    devicesTablePitr: String(pitr.PointInTimeRecoveryEnabled) === 'true',
    logging,
    monitoring,
    notes,
  };
}
