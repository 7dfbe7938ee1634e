/**
 * The hub's own CloudWatch metrics, written as Embedded Metric Format lines on stdout through
 * Powertools Metrics (CloudWatch Logs extracts them; no API call, no extra latency). Domain code
 * records into `metrics` while it works; the `publishMetrics` middleware (lib/http/middleware.ts)
 * calls `endInvocation` after every invocation, the only moment a Lambda instance may write
 * before it is frozen.
 *
 * Aggregated across invocations: one Lambda instance serves one invocation after another, so the
 * recorder keeps one running sum per `sum` metric and dimension set (and every observation of a
 * `values` metric) for a window of METRICS_FLUSH_INTERVAL_MS (lib/config.ts), aligned to the epoch
 * (60 s windows are UTC minutes), and publishes a window at the end of the first invocation after
 * it ended, stamped with its start so CloudWatch files the counts in the minute they happened.
 * A distribution that filled a line (99 values, below EMF's 100 per metric) publishes at once.
 * Each EMF line costs a few hundred bytes of CloudWatch Logs ingestion; this turns one line per
 * device request into one per window (or per 99 requests, whichever comes first) and instance. The trade-off: a retired instance takes its unpublished window with
 * it (at most one interval of its counts; README "Metrics"). An interval of 0 publishes after every
 * invocation.
 *
 * Every metric is declared in METRIC_CATALOGUE with its unit and dimensions. Dimensions stay
 * low-cardinality: transports, reasons, outcomes, frame actions and endpoint names (bounded by the
 * routing configuration), never a device id. Every metric also carries `service` (the stack name,
 * `devhub-{stage}`), so stages never mix. The README documents each one (a test checks).
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DIMENSION_VALUES, METRIC_CATALOGUE, METRIC_NAMESPACE, type HubMetricName, type MetricSpec } from './metricCatalogue';

export { METRIC_CATALOGUE, METRIC_NAMESPACE, type HubMetricName } from './metricCatalogue';

export type Transport = 'https' | 'websocket';

/** A command's final outcome as `C2dSettled` counts it: only what the catalogue lists. */
export type C2dOutcome = (typeof DIMENSION_VALUES.Outcome)[number];

/**
 * Values of one metric in one EMF line. EMF allows 100; Powertools publishes a line by itself the
 * moment a metric reaches its 100th value and forgets the line's dimensions for whatever is added
 * after, so the recorder keeps a line whole by stopping one short.
 */
export const MAX_VALUES_PER_LINE = 99;

interface Group {
  dimensions: Record<string, string>;
  sums: Map<HubMetricName, number>;
  values: Map<HubMetricName, number[]>;
}

/** The observations of one aggregation window, by dimension set. */
interface Window {
  /** Epoch ms the window starts at: the timestamp of its lines. */
  start: number;
  /** Epoch ms it ends at: the first invocation to end at or after this publishes it. */
  end: number;
  groups: Map<string, Group>;
}

export interface RecorderOptions {
  /** How long observations are aggregated before an invocation's end publishes them; 0 = after every invocation. */
  flushIntervalMs?: number;
  /** The clock (epoch ms); tests inject one. */
  now?: () => number;
}

/** Collects observations by window and dimension set; `endInvocation` publishes the windows that are due. */
export class MetricsRecorder {
  /** By window index (epoch ms / interval); one window, index 0, when the interval is 0. */
  private readonly windows = new Map<number, Window>();
  /**
   * What `endInvocation` checks, kept up to date by `add` so the check costs the same however many
   * windows and dimension sets are held: the earliest end of a held window (Infinity when none),
   * and whether some distribution has filled a line.
   */
  private earliestEnd = Infinity;
  private distributionFull = false;
  private flushIntervalMs: number;
  private readonly now: () => number;

  constructor(
    readonly sink: Metrics,
    options: RecorderOptions = {},
  ) {
    this.flushIntervalMs = 0;
    this.now = options.now ?? Date.now;
    this.configure({ flushIntervalMs: options.flushIntervalMs ?? 0 });
  }

  /** Sets the aggregation interval (lib/hub.ts applies METRICS_FLUSH_INTERVAL_MS at cold start). */
  configure(options: { flushIntervalMs: number }): void {
    const ms = options.flushIntervalMs;
    if (!Number.isInteger(ms) || ms < 0) throw new Error(`metrics flush interval must be an integer >= 0 ms, got ${ms}`);
    this.flushIntervalMs = ms;
  }

  /**
   * Records `value` for `name` with exactly the dimensions the catalogue declares, each with a
   * value the catalogue lists (any endpoint name for `Endpoint`): the catalogue is what the cost
   * model, the README and the dashboard count on.
   */
  add(name: HubMetricName, value: number, dimensions: Record<string, string> = {}): void {
    const spec: MetricSpec = METRIC_CATALOGUE[name];
    const names = Object.keys(dimensions).sort();
    if (names.join() !== [...spec.dimensions].sort().join()) {
      throw new Error(`metric ${name} takes dimensions [${spec.dimensions.join()}], got [${names.join()}]`);
    }
    for (const d of spec.dimensions) {
      const listed: string | readonly string[] = DIMENSION_VALUES[d];
      const v = dimensions[d] as string;
      if (typeof listed !== 'string' && !listed.includes(v)) throw new Error(`metric ${name}: ${d} "${v}" is not in the catalogue`);
    }
    if (!Number.isFinite(value)) return;
    const key = JSON.stringify(names.map((n) => [n, dimensions[n]]));
    const window = this.currentWindow();
    let group = window.groups.get(key);
    if (!group) window.groups.set(key, (group = { dimensions: { ...dimensions }, sums: new Map(), values: new Map() }));
    if (spec.kind === 'sum') group.sums.set(name, (group.sums.get(name) ?? 0) + value);
    else {
      let values = group.values.get(name);
      if (values) values.push(value);
      else group.values.set(name, (values = [value]));
      if (values.length >= MAX_VALUES_PER_LINE) this.distributionFull = true;
    }
  }

  /**
   * Called once at the end of every invocation: publishes every window that has ended, or all of
   * them when a distribution filled a line (or the interval is 0). Nothing if nothing is due, and
   * then in constant time: it runs after every invocation, however many dimension sets are held.
   */
  endInvocation(): void {
    if (this.flushIntervalMs === 0 || this.distributionFull) {
      this.flush();
      return;
    }
    const now = this.now();
    if (now < this.earliestEnd) return;
    let earliestEnd = Infinity;
    for (const [index, window] of [...this.windows].sort(([a], [b]) => a - b)) {
      if (now < window.end) {
        earliestEnd = Math.min(earliestEnd, window.end);
        continue;
      }
      this.windows.delete(index);
      this.publishWindow(window);
    }
    this.earliestEnd = earliestEnd;
  }

  /** Publishes everything recorded so far, one EMF line per window and dimension set (more when a distribution has more values than a line holds); nothing if none. */
  flush(): void {
    const windows = [...this.windows].sort(([a], [b]) => a - b).map(([, w]) => w);
    this.windows.clear();
    this.earliestEnd = Infinity;
    this.distributionFull = false;
    for (const window of windows) this.publishWindow(window);
  }

  private currentWindow(): Window {
    const now = this.now();
    const index = this.flushIntervalMs > 0 ? Math.floor(now / this.flushIntervalMs) : 0;
    let window = this.windows.get(index);
    if (!window) {
      const start = this.flushIntervalMs > 0 ? index * this.flushIntervalMs : now;
      // An interval of 0 publishes after every invocation: its one window is due at once.
      window = { start, end: start + this.flushIntervalMs, groups: new Map() };
      this.windows.set(index, window);
      this.earliestEnd = Math.min(this.earliestEnd, window.end);
    }
    return window;
  }

  private publishWindow(window: Window): void {
    for (const group of window.groups.values()) this.publishGroup(window.start, group);
  }

  /** One line per dimension set; a distribution with more values than a line holds continues on further lines. */
  private publishGroup(timestamp: number, group: Group): void {
    const pending = [...group.values].map(([name, values]) => ({ name, values: [...values] }));
    let sums = true;
    while (sums || pending.some((p) => p.values.length > 0)) {
      this.sink.setTimestamp(timestamp);
      for (const [k, v] of Object.entries(group.dimensions)) this.sink.addDimension(k, v);
      if (sums) for (const [name, sum] of group.sums) this.sink.addMetric(name, METRIC_CATALOGUE[name].unit, sum);
      sums = false;
      for (const p of pending)
        for (const v of p.values.splice(0, MAX_VALUES_PER_LINE)) this.sink.addMetric(p.name, METRIC_CATALOGUE[p.name].unit, v);
      this.sink.publishStoredMetrics();
    }
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

  c2dSettled(outcome: C2dOutcome): void {
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
