/**
 * The catalogue of the hub's own CloudWatch metrics: name, unit, dimensions (besides `service`)
 * and the values each dimension takes. No imports, so the cost model can count the
 * metrics a deployment publishes; lib/metrics.ts records them.
 */
/** CloudWatch namespace of every hub metric (alarms and the dashboard in infra/ use it too). */
export const METRIC_NAMESPACE = 'devhub';

/** The values a dimension takes; `Endpoint` takes one per configured endpoint. */
export const DIMENSION_VALUES = {
  Transport: ['https', 'websocket'],
  Reason: ['MalformedToken', 'UnknownDevice', 'DeviceDisabled', 'BadSignature', 'Expired', 'UnknownPolicy', 'MissingPermission'],
  Outcome: ['Success', 'Rejected', 'Expired', 'DeliveryCountExceeded', 'Purged'],
  Action: ['send', 'sendBatch', 'receive', 'ping', 'complete', 'reject', 'abandon', 'invalid'],
  Endpoint: 'per endpoint',
} as const;

export type DimensionName = keyof typeof DIMENSION_VALUES;

/** CloudWatch units (Powertools' MetricUnit values) the hub uses. */
export type Unit = 'Count' | 'Bytes' | 'Milliseconds';

export interface MetricSpec {
  unit: Unit;
  /** Dimension names besides `service`. */
  dimensions: readonly DimensionName[];
  /** `sum`: one summed value per flush; `values`: every observation (a distribution). */
  kind: 'sum' | 'values';
  description: string;
}

const count = (dimensions: readonly DimensionName[], description: string): MetricSpec => ({
  unit: 'Count',
  dimensions,
  kind: 'sum',
  description,
});

export const METRIC_CATALOGUE = {
  // Device-to-cloud
  MessagesAccepted: count(['Transport'], 'device messages written to the events stream'),
  BytesAccepted: { unit: 'Bytes', dimensions: ['Transport'], kind: 'sum', description: 'their body bytes' },
  BatchSize: { unit: 'Count', dimensions: ['Transport'], kind: 'values', description: 'messages per accepted request or frame' },
  AuthFailures: count(['Reason'], 'refused authentications (device and policy tokens, HTTPS and WebSocket)'),
  Throttled: count([], 'requests refused by the per-device rate limit (HTTP 429, WebSocket nack 429)'),
  // Routing
  RecordsPerBatch: { unit: 'Count', dimensions: [], kind: 'values', description: 'stream records per router invocation' },
  RouterBatchDuration: {
    unit: 'Milliseconds',
    dimensions: [],
    kind: 'values',
    description: 'time to route one batch, retries included',
  },
  RouteMatches: count([], 'messages that matched at least one route or the fallback'),
  RoutedCopies: count(['Endpoint'], 'copies delivered to a custom endpoint'),
  DeadLettered: count([], 'messages written to the routing dead-letter queue'),
  RecordsRetried: count([], 'records reported back to Lambda as batch item failures (retried later)'),
  Redriven: count([], 'dead letters delivered again by a redrive'),
  // Cloud-to-device
  C2dSent: count([], 'commands accepted into a device queue'),
  C2dQueueFull: count([], 'commands refused because the device queue was full (403)'),
  C2dDelivered: count(['Transport'], 'commands handed to a device (HTTPS receive or WebSocket push), redeliveries included'),
  C2dSettled: count(['Outcome'], 'commands finished: Success, Rejected, Expired, DeliveryCountExceeded, Purged'),
  // WebSocket
  WsConnects: count([], 'WebSocket connections accepted'),
  WsDisconnects: count([], 'WebSocket connections closed'),
  WsFrames: count(['Action'], 'device frames received, by action (unknown actions count as "invalid")'),
  WsPushFailures: count([], 'frames the hub could not post to a connection'),
  WsFrameFailures: count([], 'device frames the hub failed to handle or finish by its deadline (answered 200 by contract)'),
} as const satisfies Record<string, MetricSpec>;

export type HubMetricName = keyof typeof METRIC_CATALOGUE;

/**
 * Every name × dimension-value combination (Powertools' ColdStart not included): the most series the
 * hub can publish. CloudWatch bills only the hours a series gets data (cost/metricHours.ts).
 */
export function customMetricCount(endpoints: number): number {
  let total = 0;
  for (const spec of Object.values(METRIC_CATALOGUE) as MetricSpec[]) {
    total += spec.dimensions.reduce((n, d) => {
      const values = DIMENSION_VALUES[d];
      return n * (typeof values === 'string' ? endpoints : values.length);
    }, 1);
  }
  return total;
}
