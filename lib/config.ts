/**
 * The one place that reads the environment. Every function calls `loadConfig()` at module
 * initialisation, so a missing or malformed variable fails the cold start loudly instead of
 * surfacing later as a confusing request error. Resource names have no defaults on purpose.
 */
export interface HubConfig {
  hubName: string;
  /** Host name devices put in their SAS `sr` (IoT Hub: {hub}.azure-devices.net). */
  hubHostname: string;
  /**
   * More host names device tokens may name (DEVICE_HOSTNAMES, comma-separated): the device front
   * door's host (a function URL, a CloudFront domain). A function URL request is also accepted for
   * the host it arrived through (lib/http/functionUrl.ts).
   */
  deviceHostnames: string[];
  tables: { devices: string; policies: string; c2d: string; connections: string; routing: string };
  eventsStream: string;
  feedbackQueue: string;
  routingDeadLetterQueue: string;
  /** The router's on-failure destination (batches that failed by age or retries). */
  routerFailureQueue: string;
  /** How long policies and device tags (routing enrichments) may be served from memory. */
  deviceCacheTtlMs: number;
  /**
   * Device credentials (keys, status, existence) as authentication caches them
   * (lib/registry/deviceCache.ts): a disable, delete or key change takes effect within `changePollMs`.
   */
  deviceAuthCache: {
    /** How old the registry change-feed read serving a request may be (the staleness bound). */
    changePollMs: number;
    /** Backstop entry lifetime, should a change-feed write be lost. */
    ttlMs: number;
    maxEntries: number;
    /**
     * Whether a token signed with a device's derived key (lib/registry/derivedKeys.ts) is accepted
     * without a registry read. `off` sends every device token to the registry, as before derived
     * keys: the switch for a hub whose device-key seed may have leaked (README "Security").
     */
    derivedKeyFastPath: boolean;
  };
  c2d: {
    defaultTtlSeconds: number;
    maxTtlSeconds: number;
    maxDeliveryCount: number;
    defaultLockTimeoutSeconds: number;
    maxLockTimeoutSeconds: number;
    maxQueueDepth: number;
  };
  /** Per-device request rate limit (requests/second); 0 disables it. */
  deviceRateLimitPerSecond: number;
  /** WebSocket management endpoint override; empty means "derive from the request context". */
  websocketManagementEndpoint: string;
  /** Unsettled commands pushed to one WebSocket connection at a time. */
  websocketMaxInFlight: number;
  routing: {
    /** How long routes, endpoints and enrichments are served from memory (changes apply within this). */
    cacheTtlMs: number;
    /** Calls per endpoint delivery (first try included) before a message is dead-lettered. */
    maxAttempts: number;
    /** First retry delay; doubles per attempt, with jitter. */
    retryBaseDelayMs: number;
    /** Consecutive failed deliveries after which an endpoint is reported dead. */
    deadAfterFailures: number;
    /** Glob endpoint queue/stream names must match (the IAM grants use the same glob). */
    endpointNames: string;
  };
  /**
   * How long each function instance aggregates its metrics before the end of an invocation
   * publishes them (lib/metrics.ts); 0 publishes after every invocation (what the test hub uses).
   */
  metricsFlushIntervalMs: number;
}

type Env = Record<string, string | undefined>;

function required(env: Env, name: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') {
    throw new Error(`configuration error: environment variable ${name} is required`);
  }
  return value.trim();
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`configuration error: ${name} must be an integer in ${min}..${max}, got "${raw}"`);
  }
  return value;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const value = allowed.find((a) => a === raw);
  if (value === undefined) throw new Error(`configuration error: ${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  return value;
}

export function parseConfig(env: Env): HubConfig {
  const maxTtlSeconds = integer(env, 'C2D_MAX_TTL_SECONDS', 2 * 24 * 3600, 1, 2 * 24 * 3600);
  const maxLockTimeoutSeconds = integer(env, 'C2D_MAX_LOCK_TIMEOUT_SECONDS', 300, 5, 3600);
  return {
    hubName: required(env, 'HUB_NAME'),
    hubHostname: required(env, 'HUB_HOSTNAME'),
    deviceHostnames: (env.DEVICE_HOSTNAMES ?? '')
      .split(',')
      .map((h) => h.trim())
      .filter((h) => h !== ''),
    tables: {
      devices: required(env, 'DEVICES_TABLE'),
      policies: required(env, 'POLICIES_TABLE'),
      c2d: required(env, 'C2D_TABLE'),
      connections: required(env, 'CONNECTIONS_TABLE'),
      routing: required(env, 'ROUTING_TABLE'),
    },
    eventsStream: required(env, 'EVENTS_STREAM'),
    feedbackQueue: required(env, 'FEEDBACK_QUEUE'),
    routingDeadLetterQueue: required(env, 'ROUTING_DLQ'),
    routerFailureQueue: required(env, 'ROUTER_FAILURE_QUEUE'),
    deviceCacheTtlMs: integer(env, 'DEVICE_CACHE_TTL_MS', 10_000, 0, 300_000),
    deviceAuthCache: {
      changePollMs: integer(env, 'REGISTRY_CHANGE_POLL_MS', 5000, 0, 60_000),
      ttlMs: integer(env, 'DEVICE_AUTH_CACHE_TTL_MS', 3_600_000, 0, 86_400_000),
      maxEntries: integer(env, 'DEVICE_AUTH_CACHE_MAX_ENTRIES', 150_000, 1, 1_000_000),
      derivedKeyFastPath: oneOf(env, 'DERIVED_KEY_FAST_PATH', ['on', 'off'], 'on') === 'on',
    },
    c2d: {
      defaultTtlSeconds: integer(env, 'C2D_DEFAULT_TTL_SECONDS', 3600, 1, maxTtlSeconds),
      maxTtlSeconds,
      maxDeliveryCount: integer(env, 'C2D_MAX_DELIVERY_COUNT', 10, 1, 100),
      defaultLockTimeoutSeconds: integer(env, 'C2D_LOCK_TIMEOUT_SECONDS', 60, 5, maxLockTimeoutSeconds),
      maxLockTimeoutSeconds,
      maxQueueDepth: integer(env, 'C2D_MAX_QUEUE_DEPTH', 50, 1, 5000),
    },
    deviceRateLimitPerSecond: integer(env, 'DEVICE_RATE_LIMIT_PER_SECOND', 0, 0, 100_000),
    websocketManagementEndpoint: env.WEBSOCKET_MANAGEMENT_ENDPOINT?.trim() ?? '',
    websocketMaxInFlight: integer(env, 'WEBSOCKET_MAX_IN_FLIGHT', 1, 1, 50),
    routing: {
      cacheTtlMs: integer(env, 'ROUTING_CACHE_TTL_MS', 5000, 0, 300_000),
      maxAttempts: integer(env, 'ROUTING_MAX_ATTEMPTS', 4, 1, 20),
      retryBaseDelayMs: integer(env, 'ROUTING_RETRY_BASE_MS', 100, 1, 10_000),
      deadAfterFailures: integer(env, 'ROUTING_DEAD_AFTER_FAILURES', 3, 1, 1000),
      endpointNames: required(env, 'ROUTING_ENDPOINT_NAMES'),
    },
    // At most an hour: a window's lines are stamped with its start, which CloudWatch accepts up to two weeks back.
    metricsFlushIntervalMs: integer(env, 'METRICS_FLUSH_INTERVAL_MS', 60_000, 0, 3_600_000),
  };
}

let cached: HubConfig | undefined;

export function loadConfig(): HubConfig {
  cached ??= parseConfig(process.env);
  return cached;
}
