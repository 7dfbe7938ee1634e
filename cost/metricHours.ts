/**
 * Which of the hub's custom metrics a traffic shape publishes, hour by hour. CloudWatch bills a
 * custom metric (a name with one set of dimension values) prorated by the hour, and only for the
 * hours in which data is sent to it: "All custom metrics charges are prorated by the hour and
 * metered only when you send metrics to CloudWatch" (https://aws.amazon.com/cloudwatch/pricing/,
 * Metrics tab; cost/prices.json cites it). A metric published in every hour costs a whole
 * metric-month; one published in a tenth of the hours costs a tenth.
 *
 * Every series comes from lib/metricCatalogue.ts (names, dimensions, dimension values): this file
 * only says what publishes each catalogue metric (PUBLISH_RULES, one rule per name, checked by the
 * type and by a test). Three kinds of source:
 * - traffic: the series gets a data point with every event of some kind (a send request, a router
 *   batch, a C2D delivery). With `n` such events an hour on average, arriving at random, an hour
 *   has at least one with probability 1 − e^(−n): the share of the month's hours it is billed for.
 * - exceptional: failures and rarities (refused tokens, throttling, failed pushes, rejected
 *   commands). Their rate is not a function of the traffic; the assumption
 *   customMetrics.exceptionalSeriesPerHour says how many distinct series of each such metric a
 *   typical hour publishes while its path carries traffic (capped at the metric's series).
 * - none: published only by an operator's action (a redrive), not in a typical hour.
 *
 * Powertools' ColdStart metric (lib/http/middleware.ts publishMetrics: dimensions service and
 * function_name) is not in the catalogue: it is published in the hours a function starts a new
 * execution environment, estimated by coldStartsPerHour from the model's instance churn.
 * Pure.
 */
import { DIMENSION_VALUES, METRIC_CATALOGUE, type DimensionName, type HubMetricName, type MetricSpec } from '../lib/metricCatalogue';

/** Average events an hour of what publishes the hub's metrics, for one traffic shape. */
export interface PublishRates {
  /** Device API send requests (HTTPS), and send/sendBatch frames (WebSocket). */
  httpsSends: number;
  wsSendFrames: number;
  /** Messages per send: 1 → WebSocket `send` frames, more → `sendBatch`. */
  batchSize: number;
  wsPings: number;
  wsConnects: number;
  /** C2D commands accepted, handed over (HTTPS receive, WebSocket push) and completed. */
  c2dSends: number;
  c2dHttpsDeliveries: number;
  c2dWsDeliveries: number;
  c2dCompletes: number;
  routerBatches: number;
  /** Routed copies per endpoint (one endpoint per route) and the number of endpoints. */
  routedCopiesPerEndpoint: number;
  endpoints: number;
}

export type SeriesSource = { kind: 'traffic'; eventsPerHour: number } | { kind: 'exceptional'; live: boolean } | { kind: 'none' };

/** The source of one series: the metric's dimension values as `{ Transport: 'https' }` ({} without dimensions). */
export type PublishRule = (r: PublishRates, dims: Partial<Record<DimensionName, string>>) => SeriesSource;

const traffic = (eventsPerHour: number): SeriesSource => ({ kind: 'traffic', eventsPerHour });
const exceptional = (live: boolean): SeriesSource => ({ kind: 'exceptional', live });
const byTransport = (t: string | undefined, https: number, websocket: number): SeriesSource =>
  traffic(t === 'https' ? https : t === 'websocket' ? websocket : 0);
const deviceTraffic = (r: PublishRates) => r.httpsSends + r.wsSendFrames + r.c2dHttpsDeliveries + r.c2dWsDeliveries + r.wsConnects > 0;
const wsInbound = (r: PublishRates) => r.wsSendFrames + r.wsPings + r.c2dWsDeliveries > 0;

/** What publishes each catalogue metric (the call sites are named so a change there can be followed here). */
export const PUBLISH_RULES: Record<HubMetricName, PublishRule> = {
  // lib/d2c/telemetryService.ts: one data point of each per accepted send, by transport.
  MessagesAccepted: (r, d) => byTransport(d.Transport, r.httpsSends, r.wsSendFrames),
  BytesAccepted: (r, d) => byTransport(d.Transport, r.httpsSends, r.wsSendFrames),
  BatchSize: (r, d) => byTransport(d.Transport, r.httpsSends, r.wsSendFrames),
  // lib/auth.ts, lib/ws/socketService.ts: every reason is a refusal.
  AuthFailures: (r) => exceptional(deviceTraffic(r)),
  // lib/rateLimit.ts: a device over its rate limit.
  Throttled: (r) => exceptional(deviceTraffic(r)),
  // lib/routing/router.ts routeBatch records these three on every batch, zeros included...
  RecordsPerBatch: (r) => traffic(r.routerBatches),
  RouterBatchDuration: (r) => traffic(r.routerBatches),
  RouteMatches: (r) => traffic(r.routerBatches),
  // ...and these two only in a batch that dead-lettered or handed records back to Lambda.
  DeadLettered: (r) => exceptional(r.routerBatches > 0),
  RecordsRetried: (r) => exceptional(r.routerBatches > 0),
  // ...and RoutedCopies once per endpoint that had copies in the batch.
  RoutedCopies: (r) => traffic(r.routedCopiesPerEndpoint),
  // lib/routing/redrive.ts: only when an operator redrives dead letters.
  Redriven: () => ({ kind: 'none' }),
  // lib/c2d/commandQueue.ts
  C2dSent: (r) => traffic(r.c2dSends),
  C2dQueueFull: (r) => exceptional(r.c2dSends > 0),
  C2dDelivered: (r, d) => byTransport(d.Transport, r.c2dHttpsDeliveries, r.c2dWsDeliveries),
  C2dSettled: (r, d) =>
    d.Outcome === 'Success' ? traffic(r.c2dCompletes) : exceptional(r.c2dHttpsDeliveries + r.c2dWsDeliveries + r.c2dSends > 0),
  // lib/ws/socketService.ts, lib/adapters/aws/socketPusher.ts, functions/wsDefault.ts
  WsConnects: (r) => traffic(r.wsConnects),
  WsDisconnects: (r) => traffic(r.wsConnects),
  WsFrames: (r, d) => {
    switch (d.Action) {
      case 'send':
        return traffic(r.batchSize === 1 ? r.wsSendFrames : 0);
      case 'sendBatch':
        return traffic(r.batchSize > 1 ? r.wsSendFrames : 0);
      case 'ping':
        return traffic(r.wsPings);
      case 'complete':
        return traffic(r.c2dWsDeliveries);
      default: // receive (devices are pushed their commands), reject, abandon, invalid
        return exceptional(wsInbound(r));
    }
  },
  WsPushFailures: (r) => exceptional(r.wsSendFrames + r.wsPings + r.c2dWsDeliveries > 0),
  WsFrameFailures: (r) => exceptional(wsInbound(r)),
};

/** Every dimension-value combination of a metric (one Endpoint value per endpoint). */
export function seriesOf(spec: MetricSpec, endpoints: number): Partial<Record<DimensionName, string>>[] {
  let series: Partial<Record<DimensionName, string>>[] = [{}];
  for (const d of spec.dimensions) {
    const declared = DIMENSION_VALUES[d];
    const values = typeof declared === 'string' ? Array.from({ length: endpoints }, (_, i) => `endpoint-${i + 1}`) : [...declared];
    series = series.flatMap((s) => values.map((v) => ({ ...s, [d]: v })));
  }
  return series;
}

/** Share of the hours with at least one event, for `n` random events an hour on average. */
export function hourShare(eventsPerHour: number): number {
  return eventsPerHour > 0 ? 1 - Math.exp(-eventsPerHour) : 0;
}

export interface MetricHours {
  /** Billed metric-months: the sum, over series, of the share of hours each is published in. */
  metricMonths: number;
  /** Every series the catalogue can produce for this routing configuration (the old upper bound). */
  series: number;
  byMetric: Record<string, number>;
}

/**
 * Metric-months of the hub's catalogue metrics for the rates (exceptionalSeriesPerHour: see the
 * file comment). `catalogue` and `rules` are parameters only so a test can add a metric; a
 * catalogue metric without a rule throws.
 */
export function catalogueMetricHours(
  r: PublishRates,
  exceptionalSeriesPerHour: number,
  catalogue: Readonly<Record<string, MetricSpec>> = METRIC_CATALOGUE,
  rules: Readonly<Record<string, PublishRule>> = PUBLISH_RULES,
): MetricHours {
  const byMetric: Record<string, number> = {};
  let metricMonths = 0;
  let series = 0;
  for (const [name, spec] of Object.entries(catalogue)) {
    const rule = rules[name] as PublishRule | undefined;
    if (rule === undefined) throw new Error(`catalogue metric ${name} has no publish rule in cost/metricHours.ts`);
    let months = 0;
    let liveExceptional = 0;
    for (const dims of seriesOf(spec, r.endpoints)) {
      series += 1;
      const source = rule(r, dims);
      if (source.kind === 'traffic') months += hourShare(source.eventsPerHour);
      else if (source.kind === 'exceptional' && source.live) liveExceptional += 1;
    }
    months += Math.min(liveExceptional, Math.max(0, exceptionalSeriesPerHour));
    byMetric[name] = months;
    metricMonths += months;
  }
  return { metricMonths, series, byMetric };
}

/**
 * New execution environments a function starts an hour: each of its `instances` warm environments
 * is replaced every `lifetimeHours` (AWS does not publish how long an environment lives: an
 * assumption), and an invocation arriving after an environment sat idle longer than `idleMinutes`
 * starts a new one (Poisson arrivals spread over the instances).
 */
export function coldStartsPerHour(opts: {
  invocationsPerHour: number;
  instances: number;
  lifetimeHours: number;
  idleMinutes: number;
}): number {
  const n = opts.invocationsPerHour;
  if (!(n > 0)) return 0;
  const instances = Math.max(1, opts.instances);
  const recycled = opts.lifetimeHours > 0 ? instances / opts.lifetimeHours : 0;
  const afterIdle = n * Math.exp(-(n / instances) * (opts.idleMinutes / 60));
  return recycled + afterIdle;
}
