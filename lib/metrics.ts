/**
 * The hub's own CloudWatch metrics, written as Embedded Metric Format lines on stdout through
 * Powertools Metrics (CloudWatch Logs extracts them; no API call, no extra latency). Domain code
 * records into `metrics` while it works; the `publishMetrics` middleware (lib/http/middleware.ts)
 * flushes once per invocation, one EMF line per dimension set that was used.
 *
 * Every metric is declared in METRIC_CATALOGUE with its unit and dimensions. Dimensions stay
 * low-cardinality: transports, reasons, outcomes, frame actions and endpoint names (bounded by the
 * routing configuration), never a device id. Every metric also carries `service` (the stack name,
 * `devhub-{stage}`), so stages never mix. The README documents each one (a test checks).
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { METRIC_CATALOGUE, METRIC_NAMESPACE, type HubMetricName, type MetricSpec } from './metricCatalogue';

export { METRIC_CATALOGUE, METRIC_NAMESPACE, type HubMetricName } from './metricCatalogue';

export type Transport = 'https' | 'websocket';

interface Group {
  dimensions: Record<string, string>;
  sums: Map<HubMetricName, number>;
  values: Map<HubMetricName, number[]>;
}

/** Collects the invocation's observations by dimension set; `flush` publishes them. */
export class MetricsRecorder {
  private readonly groups = new Map<string, Group>();

  constructor(readonly sink: Metrics) {}

  /** Records `value` for `name` with exactly the dimensions the catalogue declares. */
  add(name: HubMetricName, value: number, dimensions: Record<string, string> = {}): void {
    const spec: MetricSpec = METRIC_CATALOGUE[name];
    const names = Object.keys(dimensions).sort();
    if (names.join() !== [...spec.dimensions].sort().join()) {
      throw new Error(`metric ${name} takes dimensions [${spec.dimensions.join()}], got [${names.join()}]`);
    }
    if (!Number.isFinite(value)) return;
    const key = JSON.stringify(names.map((n) => [n, dimensions[n]]));
    let group = this.groups.get(key);
    if (!group) this.groups.set(key, (group = { dimensions, sums: new Map(), values: new Map() }));
    if (spec.kind === 'sum') group.sums.set(name, (group.sums.get(name) ?? 0) + value);
    else group.values.set(name, [...(group.values.get(name) ?? []), value]);
  }

  /** Publishes one EMF line per dimension set recorded since the last flush; nothing if none. */
  flush(): void {
    for (const group of this.groups.values()) {
      for (const [k, v] of Object.entries(group.dimensions)) this.sink.addDimension(k, v);
      for (const [name, sum] of group.sums) this.sink.addMetric(name, METRIC_CATALOGUE[name].unit, sum);
      for (const [name, values] of group.values) for (const v of values) this.sink.addMetric(name, METRIC_CATALOGUE[name].unit, v);
      this.sink.publishStoredMetrics();
    }
    this.groups.clear();
  }

  // The domain's vocabulary, so call sites stay one line and dimension names stay in one file.

  messagesAccepted(transport: Transport, messages: number, bytes: number): void {
    this.add('MessagesAccepted', messages, { Transport: transport });
    this.add('BytesAccepted', bytes, { Transport: transport });
    this.add('BatchSize', messages, { Transport: transport });
  }

  authFailure(reason: AuthFailureReason): void {
    this.add('AuthFailures', 1, { Reason: reason });
  }

  c2dSettled(outcome: string): void {
    this.add('C2dSettled', 1, { Outcome: outcome });
  }
}

/** Why an authentication failed (the caller always sees the same 401; operators see this). */
export type AuthFailureReason =
  'MalformedToken' | 'UnknownDevice' | 'DeviceDisabled' | 'BadSignature' | 'Expired' | 'UnknownPolicy' | 'MissingPermission';

/**
 * The hub's one recorder. The service name (`service` dimension) comes from
 * `POWERTOOLS_SERVICE_NAME`; `POWERTOOLS_METRICS_DISABLED=true` turns output off (`npm start`).
 */
export const metrics = new MetricsRecorder(new Metrics({ namespace: METRIC_NAMESPACE }));
