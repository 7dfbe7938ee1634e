/**
 * Custom metrics billed by the hours they are published (cost/metricHours.ts): which catalogue
 * series a traffic shape publishes, how failure metrics and ColdStart are counted, and that every
 * catalogue metric has a rule.
 */
import { METRIC_CATALOGUE } from '../lib/metricCatalogue';
import { catalogueMetricHours, coldStartsPerHour, hourShare, PUBLISH_RULES, type PublishRates } from './metricHours';
import { testAssumptions, testPrices, testSettings, testTraffic } from './testkit';
import type { TrafficProfile } from './types';
import { computeUsage } from './usage';

// A rate so high that every hour surely has an event (1 − e^−n is 1 in floating point).
const ALWAYS = 1e6;
const none: PublishRates = {
  httpsSends: 0,
  wsSendFrames: 0,
  batchSize: 1,
  wsPings: 0,
  wsConnects: 0,
  c2dSends: 0,
  c2dHttpsDeliveries: 0,
  c2dWsDeliveries: 0,
  c2dCompletes: 0,
  routerBatches: 0,
  routedCopiesPerEndpoint: 0,
  endpoints: 0,
};
const httpsOnly: PublishRates = { ...none, httpsSends: ALWAYS, routerBatches: ALWAYS };

describe('catalogue metrics by the hours they are published', () => {
  it('has a publish rule for every catalogue metric and nothing else', () => {
    expect(Object.keys(PUBLISH_RULES).sort()).toEqual(Object.keys(METRIC_CATALOGUE).sort());
  });

  it('fails on a catalogue metric added without a rule', () => {
    const catalogue = { ...METRIC_CATALOGUE, NewThing: METRIC_CATALOGUE.Throttled };
    expect(() => catalogueMetricHours(httpsOnly, 2, catalogue)).toThrow(/NewThing has no publish rule/);
  });

  it('HTTPS telemetry alone: its 3 send metrics, the 3 router batch metrics, 2 auth failure reasons, Throttled, DeadLettered, RecordsRetried', () => {
    const h = catalogueMetricHours(httpsOnly, 2);
    expect(h.metricMonths).toBe(3 + 3 + 2 + 1 + 1 + 1);
    expect(h.byMetric).toMatchObject({
      MessagesAccepted: 1,
      AuthFailures: 2,
      Throttled: 1,
      DeadLettered: 1,
      Redriven: 0,
      WsFrames: 0,
      C2dSent: 0,
    });
    expect(h.series).toBe(41); // every name × dimension value, no endpoint
    expect(catalogueMetricHours(none, 2).metricMonths).toBe(0);
  });

  it('the failure assumption sets how many failure series an hour publishes, capped at the metric series', () => {
    // The router's failure counters are failure metrics too: published only in a batch that failed.
    expect(catalogueMetricHours(httpsOnly, 0).metricMonths).toBe(6);
    expect(catalogueMetricHours(httpsOnly, 0).byMetric).toMatchObject({ DeadLettered: 0, RecordsRetried: 0, RouteMatches: 1 });
    expect(catalogueMetricHours(httpsOnly, 0.5).metricMonths).toBe(6 + 4 * 0.5);
    expect(catalogueMetricHours(httpsOnly, 100).byMetric.AuthFailures).toBe(7); // all reasons
  });

  it('WebSocket traffic adds the websocket transport series, frames, connections and their failures', () => {
    const ws = { ...httpsOnly, wsSendFrames: ALWAYS, wsPings: ALWAYS, wsConnects: ALWAYS };
    const h = catalogueMetricHours(ws, 2);
    // +3 Transport=websocket, +2 connects/disconnects, WsFrames send + ping + 2 of receive/reject/abandon/invalid,
    // WsPushFailures, WsFrameFailures
    expect(h.metricMonths - catalogueMetricHours(httpsOnly, 2).metricMonths).toBe(3 + 2 + 4 + 1 + 1);
    expect(catalogueMetricHours({ ...ws, batchSize: 10 }, 2).byMetric.WsFrames).toBe(4); // sendBatch instead of send
  });

  it('C2D traffic adds sends, deliveries by transport, the Success outcome and 2 other outcomes, queue-full', () => {
    const c2d = { ...httpsOnly, c2dSends: ALWAYS, c2dHttpsDeliveries: ALWAYS, c2dCompletes: ALWAYS };
    expect(catalogueMetricHours(c2d, 2).metricMonths - catalogueMetricHours(httpsOnly, 2).metricMonths).toBe(1 + 1 + 1 + 3);
  });

  it('RoutedCopies is one series per endpoint with copies', () => {
    const routed = (endpoints: number) =>
      catalogueMetricHours({ ...httpsOnly, endpoints, routedCopiesPerEndpoint: endpoints > 0 ? ALWAYS : 0 }, 2);
    expect(routed(3).byMetric.RoutedCopies).toBe(3);
    expect(routed(3).series).toBe(44);
    expect(routed(0).byMetric.RoutedCopies).toBe(0);
  });

  it('a series with few events an hour is billed for the share of hours that have one', () => {
    expect(hourShare(0)).toBe(0);
    expect(hourShare(1)).toBeCloseTo(1 - Math.exp(-1), 12);
    const rare = catalogueMetricHours({ ...none, c2dSends: 0.1 }, 0);
    expect(rare.byMetric.C2dSent).toBeCloseTo(1 - Math.exp(-0.1), 12);
  });
});

describe('ColdStart per function', () => {
  it('a busy function starts its instances anew once per environment lifetime', () => {
    expect(coldStartsPerHour({ invocationsPerHour: 360_000, instances: 10, lifetimeHours: 2, idleMinutes: 10 })).toBeCloseTo(5, 9);
  });

  it('a sparse function starts cold after every idle gap', () => {
    // One invocation an hour: the gap exceeds 10 minutes with probability e^(−1/6).
    expect(coldStartsPerHour({ invocationsPerHour: 1, instances: 0.001, lifetimeHours: 2, idleMinutes: 10 })).toBeCloseTo(
      0.5 + Math.exp(-1 / 6),
      9,
    );
    expect(coldStartsPerHour({ invocationsPerHour: 0, instances: 0, lifetimeHours: 2, idleMinutes: 10 })).toBe(0);
  });
});

describe('custom metrics in the estimate follow the traffic shape', () => {
  const settings = testSettings();
  settings.logging.metricsEnabled = true;
  const metricsFor = (t: Partial<TrafficProfile>) => computeUsage(testTraffic(t), settings, testAssumptions(), testPrices()).cloudwatch;

  it('moves with the WebSocket share, the C2D rate and the route count', () => {
    const base = metricsFor({});
    expect(metricsFor({ websocketFraction: 0.5 }).catalogueMetrics).toBeCloseTo(base.catalogueMetrics + 11, 6);
    expect(metricsFor({ c2dPerDevicePerDay: 1 }).catalogueMetrics).toBeCloseTo(base.catalogueMetrics + 6, 6);
    expect(metricsFor({ routes: 4 }).catalogueMetrics).toBeCloseTo(base.catalogueMetrics + 4, 6);
    // 1 M messages a day over HTTPS: the 11 series of the HTTPS-only shape above.
    expect(base.catalogueMetrics).toBeCloseTo(11, 6);
    expect(base.customMetricSeries).toBe(41 + 7); // every series + ColdStart per function in serverless.yml
  });

  it('bills ColdStart only for the functions the traffic invokes, by their hours with a cold start', () => {
    const base = metricsFor({});
    expect(base.coldStartMetrics).toBeGreaterThan(0);
    expect(metricsFor({ websocketFraction: 0.5 }).coldStartMetrics).toBeGreaterThan(base.coldStartMetrics); // WebSocket functions
    expect(base.customMetrics).toBeCloseTo(base.catalogueMetrics + base.coldStartMetrics, 9);
  });
});
