/**
 * The whole estimate: usage, cost lines, totals per service and per million messages, the same
 * traffic at Azure IoT Hub and AWS IoT Core, the provisioned/on-demand alternative for the
 * events stream, and warnings (quotas, settings that do not fit the traffic). Pure.
 */
import { checkQuotas, type QuotaCheck } from './limits';
import { awsIotCore, azureIotHub } from './peers';
import { priceUsage } from './price';
import { computeUsage, type Usage } from './usage';
import { MILLION } from './math';
import {
  SERVICES,
  type Assumptions,
  type CostLine,
  type DeploymentSettings,
  type KinesisMode,
  type PeerEstimate,
  type PriceTable,
  type Service,
  type TrafficProfile,
} from './types';

export interface CostReport {
  traffic: TrafficProfile;
  settings: DeploymentSettings;
  prices: { region: string; readOn: string; disclaimer: string };
  usage: Usage;
  lines: CostLine[];
  byService: Record<Service, number>;
  totalUsd: number;
  perMillionMessagesUsd: number;
  /**
   * What bounds the price per million: the fixed part of the month (lines' fixedUsd) spread over
   * the messages, plus the fees every message pays (lines marked perMessageFloor), plus the rest.
   */
  floor: CostFloor;
  /** The events stream in the other capacity mode (everything else equal). */
  alternativeKinesis: { mode: KinesisMode; kinesisUsd: number; totalUsd: number };
  peers: PeerEstimate[];
  quotas: QuotaCheck[];
  warnings: string[];
}

export interface CostFloor {
  /** USD a month that does not grow with traffic, and the lines it comes from. */
  fixedUsd: number;
  fixedItems: { item: string; usd: number }[];
  fixedPerMillionUsd: number;
  /** USD per million messages that every message pays whatever the settings, and the lines it comes from. */
  perMessageFloorPerMillionUsd: number;
  floorItems: { item: string; perMillionUsd: number }[];
  /** The rest per million messages: duration, registry, logs, shards beyond the configured ones... */
  otherPerMillionUsd: number;
}

/** Splits the cost into its fixed part, the per-message floor and the rest (per million D2C messages). */
export function costFloor(lines: readonly CostLine[], messagesPerMonth: number): CostFloor {
  const perMillion = (usd: number) => (messagesPerMonth > 0 ? usd / (messagesPerMonth / MILLION) : 0);
  const fixedItems = lines.filter((l) => (l.fixedUsd ?? 0) > 0).map((l) => ({ item: l.item, usd: l.fixedUsd ?? 0 }));
  const floorLines = lines.filter((l) => l.perMessageFloor === true);
  const fixedUsd = fixedItems.reduce((s, l) => s + l.usd, 0);
  const floorUsd = floorLines.reduce((s, l) => s + l.monthlyUsd, 0);
  const total = lines.reduce((s, l) => s + l.monthlyUsd, 0);
  return {
    fixedUsd,
    fixedItems,
    fixedPerMillionUsd: perMillion(fixedUsd),
    perMessageFloorPerMillionUsd: perMillion(floorUsd),
    floorItems: floorLines.map((l) => ({ item: l.item, perMillionUsd: perMillion(l.monthlyUsd) })),
    otherPerMillionUsd: perMillion(total - fixedUsd - floorUsd),
  };
}

export interface EstimateOptions {
  /** Cost the events stream in this mode instead of the one in serverless.yml. */
  kinesisMode?: KinesisMode;
}

function totals(lines: readonly CostLine[]): { byService: Record<Service, number>; total: number } {
  const byService = Object.fromEntries(SERVICES.map((s) => [s, 0])) as Record<Service, number>;
  for (const l of lines) byService[l.service] += l.monthlyUsd;
  return { byService, total: lines.reduce((s, l) => s + l.monthlyUsd, 0) };
}

export function validateTraffic(t: TrafficProfile): void {
  const nonNegative: (keyof TrafficProfile)[] = [
    'messagesPerDay',
    'messageSizeBytes',
    'devices',
    'c2dPerDevicePerDay',
    'c2dMessageSizeBytes',
    'routes',
  ];
  for (const k of nonNegative) {
    const v = t[k];
    if (!Number.isFinite(v) || v < 0) throw new Error(`${k} must be a number >= 0, got ${v}`);
  }
  if (!Number.isInteger(t.batchSize) || t.batchSize < 1 || t.batchSize > 100)
    throw new Error(`batch must be an integer in 1..100, got ${t.batchSize}`);
  if (!(t.websocketFraction >= 0 && t.websocketFraction <= 1))
    throw new Error(`websocket fraction must be in 0..1, got ${t.websocketFraction}`);
  if (t.messagesPerDay > 0 && t.devices < 1) throw new Error('messages need at least one device');
  if (t.messageSizeBytes > 256 * 1024) throw new Error('message size is limited to 256 KB (IoT Hub contract)');
  if (t.batchSize * t.messageSizeBytes > 256 * 1024)
    throw new Error('a batch is limited to 256 KB in total: lower --batch or --message-size');
}

export function estimate(
  traffic: TrafficProfile,
  settings: DeploymentSettings,
  assumptions: Assumptions,
  prices: PriceTable,
  opts: EstimateOptions = {},
): CostReport {
  validateTraffic(traffic);
  const mode = opts.kinesisMode ?? settings.kinesis.mode;
  const usage = computeUsage(traffic, settings, assumptions, prices, mode);
  const lines = priceUsage(usage, prices);
  const { byService, total } = totals(lines);

  const otherMode: KinesisMode = mode === 'provisioned' ? 'on-demand' : 'provisioned';
  const other = totals(priceUsage(computeUsage(traffic, settings, assumptions, prices, otherMode), prices));

  const quotas = checkQuotas(usage, { routerParallelizationFactor: settings.router.parallelizationFactor });
  const warnings: string[] = [];
  const k = usage.kinesis;
  if (mode === 'provisioned' && k.requiredShards > k.configuredShards) {
    warnings.push(
      `the events stream needs ${k.requiredShards} shards at peak (${fmt(k.peakRecordsPerSec)} records/s, ${fmt(k.peakBytesPerSec / 1024)} KiB/s) but serverless.yml provisions ${k.configuredShards}: costed with ${k.requiredShards}; deploy with --param eventsShardCount=${k.requiredShards} or switch to on-demand`,
    );
  }
  for (const q of quotas) {
    // Within rounding of the limit is "at" it (peaks are products of rates and shares).
    const atLimit = Math.abs(q.utilisation - 1) < 1e-9;
    if (q.utilisation > 1 && !atLimit)
      warnings.push(`over a default quota: ${q.quota}: peak ${fmt(q.peak)} > ${fmt(q.limit)} (see docs/scaling.md)`);
    else if (atLimit) warnings.push(`at a default quota: ${q.quota}: peak ${fmt(q.peak)} = the limit (see docs/scaling.md)`);
    else if (q.utilisation >= 0.7) warnings.push(`near a default quota: ${q.quota}: peak ${fmt(q.peak)} of ${fmt(q.limit)}`);
  }
  if (settings.logRetentionDays === null)
    warnings.push('logs never expire (no logRetentionInDays): storage is costed for one month and grows every month');
  if (traffic.websocketFraction > 0 && !settings.functions.wsMessage.inServerlessYml) {
    warnings.push('WebSocket traffic is costed with assumed functions: serverless.yml has no WebSocket routes yet');
  }

  const messagesPerMonth = usage.messages.total;
  return {
    traffic,
    settings,
    prices: { region: prices.meta.region, readOn: prices.meta.readOn, disclaimer: prices.meta.disclaimer },
    usage,
    lines,
    byService,
    totalUsd: total,
    perMillionMessagesUsd: messagesPerMonth > 0 ? total / (messagesPerMonth / MILLION) : 0,
    floor: costFloor(lines, messagesPerMonth),
    alternativeKinesis: { mode: otherMode, kinesisUsd: other.byService.Kinesis, totalUsd: other.total },
    peers: [azureIotHub(traffic, prices), awsIotCore(traffic, prices, assumptions, false), awsIotCore(traffic, prices, assumptions, true)],
    quotas,
    warnings,
  };
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return '∞';
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : String(Math.round(n * 10) / 10);
}
