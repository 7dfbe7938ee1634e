/** Renders a cost report as a plain-text table for people (the JSON form is the report itself). Pure. */
import type { CostReport } from './estimate';
import { FUNCTION_ROLES, SERVICES, type CostLine, type PeerLine } from './types';

export function usd(n: number): string {
  if (n !== 0 && Math.abs(n) < 0.01) return '<0.01';
  return n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

/** 1234567 → "1.23 M", 0.5 → "0.5". */
export function qty(n: number): string {
  const abs = Math.abs(n);
  if (abs >= 1e9) return `${(n / 1e9).toFixed(2)} B`;
  if (abs >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (abs >= 1e4) return `${(n / 1e3).toFixed(1)} k`;
  if (abs >= 100) return Math.round(n).toLocaleString('en-US');
  if (abs >= 1) return (Math.round(n * 10) / 10).toString();
  return n === 0 ? '0' : n.toPrecision(2);
}

function pct(n: number): string {
  return `${Math.round(n * 100)}%`;
}

interface Row {
  cells: string[];
}

function table(header: string[], rows: Row[], rightAligned: number[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r.cells[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (rightAligned.includes(i) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map((r) => line(r.cells))].join('\n');
}

function costRows(lines: readonly (CostLine | PeerLine)[], label: (l: CostLine | PeerLine) => string): Row[] {
  return lines.map((l) => ({ cells: [label(l), l.item, `${qty(l.quantity)} ${l.unit}`, l.rate, usd(l.monthlyUsd)] }));
}

export function renderReport(r: CostReport): string {
  const t = r.traffic;
  const u = r.usage;
  const s = r.settings;
  const out: string[] = [];
  out.push(
    `devhub: estimated monthly AWS cost (${r.prices.region} list prices read ${r.prices.readOn}; may be stale, see cost/prices.json)`,
  );
  out.push('');
  out.push(
    `Traffic: ${qty(t.messagesPerDay)} msgs/day of ${qty(t.messageSizeBytes)} B, batch ${t.batchSize}, ${qty(t.devices)} devices` +
      ` (${pct(t.websocketFraction)} on WebSocket); C2D ${t.c2dPerDevicePerDay}/device/day of ${qty(t.c2dMessageSizeBytes)} B; ${t.routes} route(s)`,
  );
  out.push(
    `         = ${qty(u.messages.total)} msgs/month, ${qty(u.messages.perSecondAvg)} msg/s average, ${qty(u.messages.perSecondPeak)} msg/s peak;` +
      ` ${qty(u.c2d.messages)} C2D/month`,
  );
  const fnSummary = FUNCTION_ROLES.filter((role) => u.functions[role].invocations > 0)
    .map((role) => {
      const f = s.functions[role];
      return `${f.name} ${f.memoryMb} MB${f.inServerlessYml ? '' : '*'}`;
    })
    .join(', ');
  out.push(`Settings: ${fnSummary} (${s.functions.deviceApi.architecture}; * = not in serverless.yml, provider default)`);
  out.push(
    `          events stream ${u.kinesis.mode}${u.kinesis.mode === 'provisioned' ? `, ${u.kinesis.configuredShards} shard(s) configured` : ''};` +
      ` router batch ${s.router.batchSize}, parallelization ${s.router.parallelizationFactor}, window ${s.router.maximumBatchingWindowSeconds} s` +
      `${s.router.fromServerlessYml ? '' : ' (defaults)'}; ~${qty(u.router.recordsPerInvocation)} records/invocation;` +
      ` log retention ${s.logRetentionDays ?? 'never'} d`,
  );
  const reg = s.registryReads;
  out.push(
    `          devices reach the device API through ${s.deviceFrontDoor === 'functionUrl' ? 'a Lambda function URL (no API Gateway request fee)' : 'the HTTP API'};` +
      (u.registry.derivedShare > 0
        ? ` derived device keys for ${pct(u.registry.derivedShare)} of lookups, the rest a registry cache of ${qty(reg.cacheTtlMs / 1000)} s per instance (${pct(u.registry.hitRatio)} of lookups read nothing)`
        : ` registry cache ${qty(reg.cacheTtlMs / 1000)} s per instance (${pct(u.registry.hitRatio)} hits)`) +
      `${reg.changePollMs !== null ? `, change feed polled every ${qty(reg.changePollMs / 1000)} s` : ''};` +
      ` routing table reloaded every ${qty(s.routingCacheTtlMs / 1000)} s per router instance`,
  );
  out.push(
    `          logs: ${s.logging.format}, application ${s.logging.applicationLevel}${s.logging.debugSampleRate > 0 ? ` (debug sampled ${pct(s.logging.debugSampleRate)})` : ''}, system ${s.logging.systemLevel}` +
      ` → ${qty(u.logs.systemGb)} GB platform records + ${qty(u.logs.applicationGb)} GB hub lines + ${qty(u.logs.metricsGb)} GB EMF metrics a month;` +
      ` ${s.logging.metricsEnabled ? `${qty(u.cloudwatch.customMetrics)} custom metrics` : 'metrics off'}, ${s.monitoring.alarms} alarms watching ${s.monitoring.alarmMetrics} metrics, ${s.monitoring.dashboards} dashboard(s)`,
  );
  for (const note of s.notes) out.push(`          note: ${note}`);
  out.push('');

  const rows: Row[] = [];
  for (const service of SERVICES) {
    const lines = r.lines.filter((l) => l.service === service);
    if (lines.length === 0) continue;
    rows.push(...costRows(lines, (l) => ('service' in l ? l.service : '')));
    if (lines.length > 1) rows.push({ cells: ['', `subtotal ${service}`, '', '', usd(r.byService[service])] });
  }
  rows.push({ cells: ['TOTAL', 'per month', '', '', usd(r.totalUsd)] });
  rows.push({ cells: ['', 'per million device-to-cloud messages', '', '', usd(r.perMillionMessagesUsd)] });
  const f = r.floor;
  rows.push({ cells: ['', 'of the month: fixed part (does not scale with traffic)', '', '', usd(f.fixedUsd)] });
  rows.push({ cells: ['', 'of the per-million price: fixed part at this volume', '', '', usd(f.fixedPerMillionUsd)] });
  rows.push({
    cells: ['', 'of the per-million price: per-message floor (fees at any volume)', '', '', usd(f.perMessageFloorPerMillionUsd)],
  });
  rows.push({ cells: ['', 'of the per-million price: the rest (duration, registry, logs, ...)', '', '', usd(f.otherPerMillionUsd)] });
  out.push(table(['Service', 'Item', 'Quantity/month', 'Unit price', 'USD/month'], rows, [2, 4]));
  const short = (item: string) => item.replace(/ \(.*\)$/, '');
  const byUsd = <T>(items: T[], value: (i: T) => number) => [...items].sort((a, b) => value(b) - value(a));
  out.push(
    `Fixed part, ${usd(f.fixedUsd)} USD/month: ${byUsd(f.fixedItems, (i) => i.usd)
      .map((i) => `${short(i.item)} ${usd(i.usd)}`)
      .join(', ')}.`,
  );
  out.push(
    `Per-message floor, ${usd(f.perMessageFloorPerMillionUsd)} per million: ${byUsd(f.floorItems, (i) => i.perMillionUsd)
      .map((i) => `${short(i.item)} ${i.perMillionUsd.toFixed(3)}`)
      .join(', ')}. At any volume the per-million price is at least this floor plus the fixed part spread over the messages.`,
  );
  out.push('');
  out.push(
    `Events stream ${r.alternativeKinesis.mode} instead: Kinesis ${usd(r.alternativeKinesis.kinesisUsd)}, total ${usd(r.alternativeKinesis.totalUsd)} USD/month (--kinesis-mode ${r.alternativeKinesis.mode})`,
  );
  out.push('');

  out.push('Same traffic on managed IoT services (published list prices):');
  const peerRows: Row[] = [];
  for (const p of r.peers) {
    peerRows.push({ cells: [p.name, p.summary, '', '', usd(p.monthlyUsd), usd(p.perMillionMessagesUsd)] });
    for (const l of p.lines) peerRows.push({ cells: ['', `  ${l.item}`, `${qty(l.quantity)} ${l.unit}`, l.rate, usd(l.monthlyUsd), ''] });
  }
  peerRows.push({ cells: ['devhub (this estimate)', '', '', '', usd(r.totalUsd), usd(r.perMillionMessagesUsd)] });
  out.push(table(['Service', 'What is billed', 'Quantity/month', 'Unit price', 'USD/month', 'USD/M msgs'], peerRows, [2, 4, 5]));
  out.push('');

  out.push('Peak demand against default quotas (docs/scaling.md):');
  for (const q of r.quotas) {
    out.push(
      `  ${pct(q.utilisation).padStart(5)}  ${q.quota}: peak ${qty(q.peak)} of ${Number.isFinite(q.limit) ? qty(q.limit) : 'no fixed limit'}`,
    );
  }
  if (r.warnings.length > 0) {
    out.push('');
    out.push('Warnings:');
    for (const w of r.warnings) out.push(`  - ${w}`);
  }
  out.push('');
  out.push(
    'Not included: free tiers (CloudWatch: 10 metrics, 10 alarms, 3 dashboards), X-Ray traces (tracing=true), data transfer out, KMS requests of the stream encryption, consumers of the route queues and of the' +
      ' built-in endpoint (except their on-demand Kinesis reads), registry/service API traffic, Azure/AWS IoT free tiers, device registries and shadows/twins, Azure basic tiers (B1-B3, no C2D).',
  );
  out.push(
    'Assumptions (durations, sizes, cache, polling) are in cost/assumptions.json; override with --duration, --set or --assumptions.',
  );
  return out.join('\n');
}
