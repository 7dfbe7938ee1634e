/**
 * The routing configuration as stored and as served by the API: custom endpoints, routes,
 * the fallback route, enrichments and endpoint health. Types and limits only.
 */
import type { MessageSource } from '../envelope';

export type EndpointType = 'sqs' | 'sqs-fifo' | 'kinesis';
export const ENDPOINT_TYPES: readonly EndpointType[] = ['sqs', 'sqs-fifo', 'kinesis'];

/** Route sources as IoT Hub names them (the stream's messageSource `Telemetry` is `DeviceMessages`). */
export type RouteSource = 'DeviceMessages' | 'DeviceLifecycleEvents' | 'DeviceConnectionStateEvents';
export const ROUTE_SOURCES: readonly RouteSource[] = ['DeviceMessages', 'DeviceLifecycleEvents', 'DeviceConnectionStateEvents'];

export function routeSourceOf(messageSource: MessageSource | string): RouteSource | undefined {
  switch (messageSource) {
    case 'Telemetry':
      return 'DeviceMessages';
    case 'DeviceLifecycleEvents':
    case 'DeviceConnectionStateEvents':
      return messageSource;
    default:
      return undefined;
  }
}

export const LIMITS = {
  endpoints: 10,
  routes: 100,
  enrichmentsPerEndpoint: 10,
  nameLength: 64,
  enrichmentKeyLength: 64,
  enrichmentValueLength: 256,
} as const;

export interface Endpoint {
  name: string;
  type: EndpointType;
  /** As the user gave it: queue URL or ARN, stream name or ARN. */
  target: string;
  /** Resolved on save: the queue URL (sqs, sqs-fifo) or the stream name (kinesis). */
  address: string;
  createdTime: string;
  updatedTime: string;
}

export interface Route {
  name: string;
  source: RouteSource;
  /** IoT Hub query language; empty means "true". */
  condition: string;
  endpoint: string;
  enabled: boolean;
  updatedTime: string;
}

export interface FallbackRoute {
  endpoint: string;
  enabled: boolean;
  updatedTime: string;
}

export interface Enrichment {
  endpoint: string;
  key: string;
  /** A static string, `$iothubname`, or `$twin.tags.<path>`. */
  value: string;
  updatedTime: string;
}

/**
 * IoT Hub's endpoint health states. unknown: nothing delivered yet; healthy: the last
 * delivery worked at once; degraded: it worked after retries; unhealthy: it failed after the
 * retry budget (messages dead-lettered); dead: it failed that way many times in a row.
 */
export type HealthStatus = 'unknown' | 'healthy' | 'degraded' | 'unhealthy' | 'dead';

export interface EndpointHealth {
  endpoint: string;
  status: HealthStatus;
  /** When the endpoint entered `status`. */
  since: string;
  consecutiveFailures: number;
  lastSuccessTime?: string;
  lastFailureTime?: string;
  lastError?: string;
  updatedTime: string;
}

/** Everything the router needs, as one snapshot. */
export interface RoutingConfig {
  endpoints: Endpoint[];
  routes: Route[];
  fallback?: FallbackRoute;
  enrichments: Enrichment[];
}
