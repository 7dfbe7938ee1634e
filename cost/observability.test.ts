/**
 * The cost of operating the hub: log volume by Lambda's log levels, EMF metric lines, custom
 * metrics, alarms and the dashboard, read from this repository's serverless.yml and priced.
 */
import { resolve } from 'node:path';
import { customMetricCount } from '../lib/metricCatalogue';
import { emfVolume } from './emf';
import { GIB } from './math';
import { priceUsage } from './price';
import { serverlessPrint } from './serverlessPrint';
import { deriveSettings } from './settings';
import { testAssumptions, testPrices, testSettings, testTraffic } from './testkit';
import type { DeploymentSettings } from './types';
import { computeUsage } from './usage';

function repositorySettings(params: Record<string, string> = {}): DeploymentSettings {
  return deriveSettings(serverlessPrint({ root: resolve(__dirname, '..'), stage: 'prod', params }));
}

describe('operations settings from serverless.yml', () => {
  it('reads the log levels, metrics switch, alarms and dashboard of this repository', () => {
    const s = repositorySettings();
    expect(s.logging).toEqual({
      format: 'JSON',
      applicationLevel: 'INFO',
      systemLevel: 'WARN',
      debugSampleRate: 0,
      metricsEnabled: true,
      metricsFlushIntervalMs: 60_000,
    });
    expect(s.monitoring.dashboards).toBe(1);
    expect(s.monitoring.alarms).toBeGreaterThanOrEqual(30);
    // Metric-math alarms bill every metric they use: more metrics than alarms. Pinned: a change to
    // infra/observability.yml changes the bill (each DynamoDB SystemErrors alarm watches one metric
    // per operation the hub performs on its table, test/operations.test.ts), and docs/scaling.md
    // (npm run cost:table) must follow.
    expect(s.monitoring.alarmMetrics).toBeGreaterThan(s.monitoring.alarms);
    expect([s.monitoring.alarms, s.monitoring.alarmMetrics]).toEqual([47, 83]);
    expect(s.monitoring.functions).toBe(12); // the functions in serverless.yml
    expect(s.kinesis.retentionHours).toBe(24);
    expect(s.devicesTablePitr).toBe(true);
  });

  it('bills the function URL alarms only where devices use the function URL (a CloudFormation condition)', () => {
    // 5xx rate (Url5xxCount / UrlRequestCount) and p99 latency (UrlRequestLatency): 2 alarms, 3 metrics.
    const count = (s: DeploymentSettings) => [s.monitoring.alarms, s.monitoring.alarmMetrics];
    expect(count(repositorySettings({ deviceFrontDoor: 'httpApi' }))).toEqual([45, 80]);
    expect(count(repositorySettings({ deviceFrontDoor: 'both' }))).toEqual([47, 83]);
  });

  it('follows the parameters', () => {
    const s = repositorySettings({ logLevel: 'DEBUG', systemLogLevel: 'INFO', metricsDisabled: 'true', eventsRetentionHours: '72' });
    expect(s.logging).toMatchObject({ applicationLevel: 'DEBUG', systemLevel: 'INFO', metricsEnabled: false });
    expect(s.kinesis.retentionHours).toBe(72);
  });

  it('prices the routing reload and the registry cache from the settings serverless.yml gives the functions', () => {
    const defaults = repositorySettings();
    expect(defaults.routingCacheTtlMs).toBe(5000); // ROUTING_CACHE_TTL_MS
    const slow = repositorySettings({ routingCacheTtlMs: '60000', deviceCacheTtlMs: '20000' });
    expect(slow.routingCacheTtlMs).toBe(60_000);
    if (slow.registryReads.mode === 'ttl') expect(slow.registryReads.cacheTtlMs).toBe(20_000); // DEVICE_CACHE_TTL_MS
    const routingLine = (s: DeploymentSettings) =>
      priceUsage(computeUsage(testTraffic(), s, testAssumptions(), testPrices()), testPrices()).find((l) =>
        l.item.startsWith('routing table reloads'),
      );
    // The one router instance is invoked about once a second: 12 times fewer reloads at 60 s than at 5 s.
    expect((routingLine(defaults)?.quantity ?? 0) / (routingLine(slow)?.quantity ?? 1)).toBeCloseTo(12, 6);
    expect(routingLine(slow)?.item).toMatch(/every 60 s/);
  });
});

describe('log volume by level', () => {
  const traffic = testTraffic(); // 1 M messages/day, no C2D, no WebSocket
  const withLogging = (logging: Partial<DeploymentSettings['logging']>) => {
    const s = testSettings();
    s.logging = { ...s.logging, ...logging };
    return s;
  };
  const a = testAssumptions();
  a.logs.systemBytesPerInvocation = 550;
  a.logs.systemEventsPerInvocation = 2;
  a.functions.router.debugLogBytesPerInvocation = 410;
  Object.assign(a.functions.deviceApi, { emfBytesPerFlush: 350, emfValueBytesPerInvocation: 2, emfInvocationsPerLine: 99 });
  Object.assign(a.functions.router, { emfBytesPerFlush: 440, emfValueBytesPerInvocation: 20, emfInvocationsPerLine: 99 });
  a.metrics.emfBytesPerEndpoint = 235;

  it('system WARN drops the platform records; INFO keeps 550 bytes per invocation', () => {
    const info = computeUsage(traffic, withLogging({ systemLevel: 'INFO' }), a, testPrices());
    const warn = computeUsage(traffic, withLogging({ systemLevel: 'WARN' }), a, testPrices());
    const invocations = Object.values(info.functions).reduce((n, f) => n + f.invocations, 0);
    expect(info.logs.systemGb).toBeCloseTo((invocations * 550) / GIB, 6);
    expect(warn.logs.systemGb).toBe(0);
    expect(warn.logs.ingestedGb).toBeLessThan(info.logs.ingestedGb);
  });

  it('DEBUG adds the router line per batch; a debug sample rate adds that share of it', () => {
    const info = computeUsage(traffic, withLogging({ applicationLevel: 'INFO' }), a, testPrices());
    const debug = computeUsage(traffic, withLogging({ applicationLevel: 'DEBUG' }), a, testPrices());
    const sampled = computeUsage(traffic, withLogging({ applicationLevel: 'INFO', debugSampleRate: 0.1 }), a, testPrices());
    const routerDebugGb = (debug.functions.router.invocations * 410) / GIB;
    expect(info.logs.applicationGb).toBe(0);
    expect(debug.logs.applicationGb).toBeCloseTo(routerDebugGb, 6);
    expect(sampled.logs.applicationGb).toBeCloseTo(routerDebugGb * 0.1, 6);
    const errorOnly = computeUsage(traffic, withLogging({ applicationLevel: 'ERROR' }), a, testPrices());
    expect(errorOnly.logs.applicationGb).toBe(0);
  });

  it('EMF metric lines are logs too: with an interval of 0 one publication per invocation, the router one line more per endpoint', () => {
    const s = withLogging({ metricsEnabled: true, systemLevel: 'WARN', metricsFlushIntervalMs: 0 });
    const u = computeUsage({ ...traffic, routes: 2 }, s, a, testPrices());
    const expected = u.functions.deviceApi.invocations * (350 + 2) + u.functions.router.invocations * (440 + 2 * 235 + 20);
    expect(u.logs.metricsGb).toBeCloseTo(expected / GIB, 6);
    expect(computeUsage(traffic, withLogging({ metricsEnabled: false }), a, testPrices()).logs.metricsGb).toBe(0);
  });

  it('aggregated, each instance publishes once per interval or per 99 invocations, whichever comes first', () => {
    const at = (metricsFlushIntervalMs: number) =>
      computeUsage(traffic, withLogging({ metricsEnabled: true, systemLevel: 'WARN', metricsFlushIntervalMs }), a, testPrices());
    const u = at(5000);
    const device = u.functions.deviceApi;
    const instances = Math.ceil(device.peakConcurrency); // one: 1 M messages a day at 10 ms
    expect(instances).toBe(1);
    const perFlush = (device.invocations / u.month.seconds) * 5; // ~58 invocations in 5 s, below 99
    expect(perFlush).toBeLessThan(99);
    const router = u.functions.router; // one batch a second: 5 per window
    const expected =
      (device.invocations / perFlush) * 350 + device.invocations * 2 + (router.invocations / 5) * 440 + router.invocations * 20;
    expect(u.logs.metricsGb).toBeCloseTo(expected / GIB, 6);
    // At 60 s the device API's 99 BatchSize values fill a line first; the router's 60 batches do not.
    const minute = at(60_000);
    const capped = (device.invocations / 99) * 350 + device.invocations * 2 + (router.invocations / 60) * 440 + router.invocations * 20;
    expect(minute.logs.metricsGb).toBeCloseTo(capped / GIB, 6);
  });
});

describe('EMF volume under per-instance aggregation (cost/emf.ts)', () => {
  const base = {
    seconds: 100,
    instances: 2,
    flushIntervalMs: 10_000,
    bytesPerFlush: 300,
    valueBytesPerInvocation: 2,
    invocationsPerLine: null,
  };
  it('publishes once per interval per instance, at least once per invocation arriving alone', () => {
    // 1,000 invocations over 100 s on 2 instances: 5/s each, 50 per 10 s window.
    expect(emfVolume({ ...base, invocations: 1000 })).toEqual({ flushes: 20, invocationsPerFlush: 50, bytes: 20 * 300 + 1000 * 2 });
    expect(emfVolume({ ...base, invocations: 10 }).invocationsPerFlush).toBe(1);
    expect(emfVolume({ ...base, invocations: 1000, flushIntervalMs: 0 }).flushes).toBe(1000);
    expect(emfVolume({ ...base, invocations: 0 })).toEqual({ flushes: 0, invocationsPerFlush: 0, bytes: 0 });
  });
  it('publishes when a distribution fills a line first', () => {
    expect(emfVolume({ ...base, invocations: 1000, invocationsPerLine: 25 })).toMatchObject({ flushes: 40, invocationsPerFlush: 25 });
    expect(emfVolume({ ...base, invocations: 1000, invocationsPerLine: 99 })).toMatchObject({ flushes: 20 });
  });
});

describe('the log ingestion line follows METRICS_FLUSH_INTERVAL_MS in serverless.yml', () => {
  it('moves with the parameter: per-invocation lines at 0, fewer the longer the interval', () => {
    const a = testAssumptions();
    Object.assign(a.functions.deviceApi, { emfBytesPerFlush: 350, emfValueBytesPerInvocation: 2, emfInvocationsPerLine: 99 });
    const ingestion = (params: Record<string, string>) => {
      const s = repositorySettings(params);
      const line = priceUsage(computeUsage(testTraffic(), s, a, testPrices()), testPrices()).find((l) => l.item === 'Lambda log ingestion');
      return { interval: s.logging.metricsFlushIntervalMs, gb: line?.quantity ?? NaN };
    };
    const every = ingestion({ metricsFlushIntervalMs: '0' });
    const five = ingestion({ metricsFlushIntervalMs: '5000' });
    const byDefault = ingestion({});
    expect([every.interval, five.interval, byDefault.interval]).toEqual([0, 5000, 60_000]);
    // 1 M messages a day on one device API instance: ~11.6 sends/s, so 5 s hold ~58 and 60 s fill a line (99).
    const hours = testPrices().hoursPerMonth;
    const sends = 1e6 * (hours / 24);
    expect(every.gb).toBeCloseTo((sends * 352) / GIB, 6);
    expect(five.gb).toBeCloseTo(((sends / ((sends / (hours * 3600)) * 5)) * 350 + sends * 2) / GIB, 6);
    expect(byDefault.gb).toBeCloseTo(((sends / 99) * 350 + sends * 2) / GIB, 6);
    expect(every.gb).toBeGreaterThan(five.gb);
    expect(five.gb).toBeGreaterThan(byDefault.gb);
  });
});

describe('metrics, alarms and dashboards priced', () => {
  it('bills the series a traffic shape publishes (by hours), alarms per metric watched and the dashboard', () => {
    expect(customMetricCount(0)).toBe(41); // every series the catalogue can produce
    expect(customMetricCount(5)).toBe(46);
    const s = testSettings();
    s.logging.metricsEnabled = true;
    s.monitoring = { alarms: 36, alarmMetrics: 65, dashboards: 1, functions: 9 };
    const u = computeUsage({ ...testTraffic(), routes: 5 }, s, testAssumptions(), testPrices());
    // HTTPS telemetry routed to 5 endpoints: 11 series (cost/metricHours.test.ts) + 5 RoutedCopies,
    // plus ColdStart for the functions that run; at most 46 + 9.
    expect(u.cloudwatch).toMatchObject({ customMetricSeries: 46 + 9, alarmMetrics: 65, dashboards: 1 });
    expect(u.cloudwatch.catalogueMetrics).toBeCloseTo(16, 6);
    expect(u.cloudwatch.coldStartMetrics).toBeGreaterThan(0);
    expect(u.cloudwatch.coldStartMetrics).toBeLessThanOrEqual(3); // deviceApi, router, sweeper
    const lines = priceUsage(u, testPrices());
    const usd = (item: RegExp) => lines.find((l) => item.test(l.item))?.monthlyUsd;
    expect(usd(/^custom metrics/)).toBeCloseTo(u.cloudwatch.customMetrics * 0.3, 6);
    expect(lines.find((l) => l.item.startsWith('custom metrics'))?.item).toMatch(/by hours published; 55 possible/);
    expect(usd(/^alarms/)).toBeCloseTo(6.5, 6);
    expect(usd(/^dashboards/)).toBeCloseTo(3, 6);
  });

  it('prices no metrics when they are turned off', () => {
    const u = computeUsage(testTraffic(), testSettings(), testAssumptions(), testPrices());
    expect(u.cloudwatch.customMetrics).toBe(0);
    expect(priceUsage(u, testPrices()).some((l) => l.service === 'CloudWatch')).toBe(false);
  });
});
