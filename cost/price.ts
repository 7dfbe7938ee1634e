/** Applies a price table to monthly usage: one cost line per billed dimension. Pure. */
import { effectiveRateText, MILLION, rateText, tieredCost } from './math';
import type { Usage } from './usage';
import { FUNCTION_ROLES, type Architecture, type CostLine, type PriceTable } from './types';

export function priceUsage(u: Usage, p: PriceTable): CostLine[] {
  const lines: CostLine[] = [];
  const add = (line: CostLine): void => {
    if (line.quantity > 0 || line.monthlyUsd > 0) lines.push(line);
  };

  // ---- API Gateway
  const http = tieredCost(u.http.billedRequests, p.apiGateway.http.perMillion, MILLION);
  add({
    service: 'API Gateway',
    item: `HTTP API requests (512 KB units; ${u.deviceApi.frontDoor === 'httpApi' ? 'device and service APIs' : 'service API'})`,
    quantity: u.http.billedRequests,
    unit: 'requests',
    rate: effectiveRateText(http, u.http.billedRequests, MILLION, 'M', p.apiGateway.http.perMillion),
    monthlyUsd: http,
    // Through the HTTP API every device request pays its fee (the service API's few requests ride along).
    ...(u.deviceApi.frontDoor === 'httpApi' ? { perMessageFloor: true } : {}),
  });
  if (u.deviceApi.frontDoor === 'functionUrl') {
    add({
      service: 'API Gateway',
      item: 'device API via Lambda function URL (no per-request fee)',
      quantity: u.deviceApi.requests,
      unit: 'requests',
      rate: '$0',
      monthlyUsd: 0,
    });
  }
  const wsMsgs = tieredCost(u.websocket.billedMessages, p.apiGateway.websocket.messagesPerMillion, MILLION);
  add({
    service: 'API Gateway',
    item: 'WebSocket messages (32 KB units, both ways)',
    quantity: u.websocket.billedMessages,
    unit: 'messages',
    rate: effectiveRateText(wsMsgs, u.websocket.billedMessages, MILLION, 'M', p.apiGateway.websocket.messagesPerMillion),
    monthlyUsd: wsMsgs,
    perMessageFloor: true,
  });
  add({
    service: 'API Gateway',
    item: 'WebSocket connection minutes',
    quantity: u.websocket.connectionMinutes,
    unit: 'minutes',
    rate: rateText(p.apiGateway.websocket.connectionMinutesPerMillion, 'M'),
    monthlyUsd: (u.websocket.connectionMinutes / MILLION) * p.apiGateway.websocket.connectionMinutesPerMillion,
  });

  // ---- Lambda: requests per function; GB-seconds tiered over all functions of one architecture
  const gbsByArch: Record<Architecture, number> = { arm64: 0, x86_64: 0 };
  for (const role of FUNCTION_ROLES) gbsByArch[u.functions[role].architecture] += u.functions[role].gbSeconds;
  const gbsRate: Record<Architecture, number> = { arm64: 0, x86_64: 0 };
  for (const arch of ['arm64', 'x86_64'] as const) {
    const total = gbsByArch[arch];
    gbsRate[arch] = total > 0 ? tieredCost(total, p.lambda.gbSecond[arch]) / total : (p.lambda.gbSecond[arch][0]?.price ?? 0);
  }
  for (const role of FUNCTION_ROLES) {
    const f = u.functions[role];
    if (f.invocations <= 0) continue;
    const assumed = f.inServerlessYml ? '' : ', assumed';
    // The sweeper runs on a schedule whatever the traffic; the device functions run once per request or frame.
    const scheduled = role === 'sweeper';
    const requestsUsd = (f.invocations / MILLION) * p.lambda.requestsPerMillion;
    const durationUsd = f.gbSeconds * gbsRate[f.architecture];
    add({
      service: 'Lambda',
      item: `${f.name} requests`,
      quantity: f.invocations,
      unit: 'requests',
      rate: rateText(p.lambda.requestsPerMillion, 'M'),
      monthlyUsd: requestsUsd,
      ...(scheduled ? { fixedUsd: requestsUsd } : {}),
      ...(role === 'deviceApi' || role === 'wsMessage' ? { perMessageFloor: true } : {}),
    });
    add({
      service: 'Lambda',
      item: `${f.name} duration (${f.memoryMb} MB ${f.architecture}, ${round(f.avgMs)} ms${assumed})`,
      quantity: f.gbSeconds,
      unit: 'GB-s',
      rate: rateText(gbsRate[f.architecture], 'GB-s'),
      monthlyUsd: durationUsd,
      ...(scheduled ? { fixedUsd: durationUsd } : {}),
    });
  }

  // ---- Kinesis
  const k = u.kinesis;
  if (k.mode === 'provisioned') {
    const shardHours = k.billedShards * u.month.hours;
    // The configured shards are paid whatever the traffic; shards the peak needs beyond them scale with it.
    const fixedShare = k.billedShards > 0 ? Math.min(k.configuredShards, k.billedShards) / k.billedShards : 0;
    add({
      service: 'Kinesis',
      item: `shard hours (${k.billedShards} shard${k.billedShards === 1 ? '' : 's'}, provisioned)`,
      quantity: shardHours,
      unit: 'shard-hours',
      rate: rateText(p.kinesis.provisioned.shardHour, 'shard-hour'),
      monthlyUsd: shardHours * p.kinesis.provisioned.shardHour,
      fixedUsd: shardHours * p.kinesis.provisioned.shardHour * fixedShare,
    });
    add({
      service: 'Kinesis',
      item: 'PUT payload units (25 KB)',
      quantity: k.putPayloadUnits,
      unit: 'units',
      rate: rateText(p.kinesis.provisioned.putPayloadUnitsPerMillion, 'M'),
      monthlyUsd: (k.putPayloadUnits / MILLION) * p.kinesis.provisioned.putPayloadUnitsPerMillion,
      perMessageFloor: true,
    });
    if (k.extendedRetentionHours > 0) {
      add({
        service: 'Kinesis',
        item: 'extended retention',
        quantity: shardHours,
        unit: 'shard-hours',
        rate: rateText(p.kinesis.provisioned.extendedRetentionShardHour, 'shard-hour'),
        monthlyUsd: shardHours * p.kinesis.provisioned.extendedRetentionShardHour,
        fixedUsd: shardHours * p.kinesis.provisioned.extendedRetentionShardHour * fixedShare,
      });
    }
  } else {
    add({
      service: 'Kinesis',
      item: 'on-demand stream hours',
      quantity: u.month.hours,
      unit: 'stream-hours',
      rate: rateText(p.kinesis.onDemand.streamHour, 'stream-hour'),
      monthlyUsd: u.month.hours * p.kinesis.onDemand.streamHour,
      fixedUsd: u.month.hours * p.kinesis.onDemand.streamHour,
    });
    add({
      service: 'Kinesis',
      item: 'on-demand data in (1 KB rounding)',
      quantity: k.ingestGb,
      unit: 'GB',
      rate: rateText(p.kinesis.onDemand.ingestPerGb, 'GB'),
      monthlyUsd: k.ingestGb * p.kinesis.onDemand.ingestPerGb,
      perMessageFloor: true,
    });
    add({
      service: 'Kinesis',
      item: 'on-demand data out (router + readers)',
      quantity: k.retrievalGb,
      unit: 'GB',
      rate: rateText(p.kinesis.onDemand.retrievalPerGb, 'GB'),
      monthlyUsd: k.retrievalGb * p.kinesis.onDemand.retrievalPerGb,
    });
  }

  // ---- DynamoDB
  const d = u.dynamodb;
  const rru = (item: string, units: number, fixedShare = 0): void =>
    add({
      service: 'DynamoDB',
      item,
      quantity: units,
      unit: 'RRU',
      rate: rateText(p.dynamodb.readRequestUnitsPerMillion, 'M'),
      monthlyUsd: (units / MILLION) * p.dynamodb.readRequestUnitsPerMillion,
      ...(fixedShare > 0 ? { fixedUsd: (units / MILLION) * p.dynamodb.readRequestUnitsPerMillion * fixedShare } : {}),
    });
  const wru = (item: string, units: number): void =>
    add({
      service: 'DynamoDB',
      item,
      quantity: units,
      unit: 'WRU',
      rate: rateText(p.dynamodb.writeRequestUnitsPerMillion, 'M'),
      monthlyUsd: (units / MILLION) * p.dynamodb.writeRequestUnitsPerMillion,
    });
  rru(
    u.registry.derivedShare > 0
      ? `registry reads (${Math.round(u.registry.hitRatio * 100)}% of lookups read nothing: ${Math.round(u.registry.derivedShare * 100)}% derived keys, the rest the cache)`
      : `registry reads (${Math.round(u.registry.hitRatio * 100)}% served by the cache)`,
    d.readUnits.registry,
  );
  rru('C2D queue reads (incl. device check on send)', d.readUnits.c2d);
  wru('C2D queue writes (enqueue, lock, settle, delete, sweep index)', d.writeUnits.c2d);
  rru('C2D sweeper reads', d.readUnits.sweeper, 1);
  rru('WebSocket connection reads', d.readUnits.connections);
  wru('WebSocket connection writes', d.writeUnits.connections);
  rru('registry change feed polls (strongly consistent)', d.readUnits.changeFeed);
  rru(
    `revocation set loads (${round(u.registry.revocationSetBytes / 1024)} KB, at cold starts and every DEVICE_AUTH_CACHE_TTL_MS)`,
    d.readUnits.revocations,
  );
  rru(
    `routing table reloads (every ${round(u.routing.cacheTtlMs / 1000)} s per router instance, ${round(u.routing.readUnitsPerReload)} RRU each)`,
    d.readUnits.routing,
    // Once per TTL per router instance, not per message: fixed for the configured shards' instances.
    k.polledShards > 0 ? Math.min(k.configuredShards, k.polledShards) / k.polledShards : 0,
  );
  add({
    service: 'DynamoDB',
    item: 'storage (registry, connections)',
    quantity: d.storageGb,
    unit: 'GB-month',
    rate: rateText(p.dynamodb.storageGbMonth, 'GB-month'),
    monthlyUsd: d.storageGb * p.dynamodb.storageGbMonth,
  });
  add({
    service: 'DynamoDB',
    item: 'point-in-time recovery (devices table)',
    quantity: d.pitrGb,
    unit: 'GB-month',
    rate: rateText(p.dynamodb.pitrGbMonth, 'GB-month'),
    monthlyUsd: d.pitrGb * p.dynamodb.pitrGbMonth,
  });

  // ---- SQS: routing endpoints and C2D feedback; standard-queue tiers apply to their sum
  const fifo = u.sqs.fifoRouting;
  const standardRequests = (fifo ? 0 : u.sqs.routingRequests) + u.sqs.feedbackRequests;
  const standardPerRequest = perUnit(
    tieredCost(standardRequests, p.sqs.standardPerMillion, MILLION),
    standardRequests,
    p.sqs.standardPerMillion,
  );
  const routingPerRequest = fifo
    ? perUnit(tieredCost(u.sqs.routingRequests, p.sqs.fifoPerMillion, MILLION), u.sqs.routingRequests, p.sqs.fifoPerMillion)
    : standardPerRequest;
  add({
    service: 'SQS',
    item: `route endpoint sends (${fifo ? 'FIFO' : 'standard'}, batches of ${round(u.router.sqsEntriesPerCall)}, 64 KB units)`,
    quantity: u.sqs.routingRequests,
    unit: 'requests',
    rate: rateText(routingPerRequest * MILLION, 'M'),
    monthlyUsd: u.sqs.routingRequests * routingPerRequest,
  });
  add({
    service: 'SQS',
    item: 'C2D feedback sends',
    quantity: u.sqs.feedbackRequests,
    unit: 'requests',
    rate: rateText(standardPerRequest * MILLION, 'M'),
    monthlyUsd: u.sqs.feedbackRequests * standardPerRequest,
  });

  // ---- CloudWatch Logs
  const ingestion = tieredCost(u.logs.ingestedGb, p.cloudwatchLogs.lambdaIngestionPerGb);
  add({
    service: 'CloudWatch Logs',
    item: 'Lambda log ingestion',
    quantity: u.logs.ingestedGb,
    unit: 'GB',
    rate: effectiveRateText(ingestion, u.logs.ingestedGb, 1, 'GB', p.cloudwatchLogs.lambdaIngestionPerGb),
    monthlyUsd: ingestion,
  });
  add({
    service: 'CloudWatch Logs',
    item: 'log storage (compressed, retention period)',
    quantity: u.logs.storedGb,
    unit: 'GB-month',
    rate: rateText(p.cloudwatchLogs.storageGbMonth, 'GB-month'),
    monthlyUsd: u.logs.storedGb * p.cloudwatchLogs.storageGbMonth,
  });

  // ---- CloudWatch metrics, alarms, dashboard
  const metricsUsd = tieredCost(u.cloudwatch.customMetrics, p.cloudwatch.customMetricsPerMonth);
  add({
    service: 'CloudWatch',
    // Prorated by the hour, billed only for hours with data (prices.json meta.sources.cloudwatch).
    item: `custom metrics (EMF + ColdStart, by hours published; ${u.cloudwatch.customMetricSeries} possible)`,
    quantity: u.cloudwatch.customMetrics,
    unit: 'metrics',
    rate: effectiveRateText(metricsUsd, u.cloudwatch.customMetrics, 1, 'metric', p.cloudwatch.customMetricsPerMonth),
    monthlyUsd: metricsUsd,
    // Bounded by the series the traffic shape publishes: more messages do not add metrics.
    fixedUsd: metricsUsd,
  });
  add({
    service: 'CloudWatch',
    item: 'alarms (per metric watched)',
    quantity: u.cloudwatch.alarmMetrics,
    unit: 'alarm metrics',
    rate: rateText(p.cloudwatch.alarmMetricPerMonth, 'alarm metric'),
    monthlyUsd: u.cloudwatch.alarmMetrics * p.cloudwatch.alarmMetricPerMonth,
    fixedUsd: u.cloudwatch.alarmMetrics * p.cloudwatch.alarmMetricPerMonth,
  });
  add({
    service: 'CloudWatch',
    item: 'dashboards',
    quantity: u.cloudwatch.dashboards,
    unit: 'dashboards',
    rate: rateText(p.cloudwatch.dashboardPerMonth, 'dashboard'),
    monthlyUsd: u.cloudwatch.dashboards * p.cloudwatch.dashboardPerMonth,
    fixedUsd: u.cloudwatch.dashboards * p.cloudwatch.dashboardPerMonth,
  });
  return lines;
}

/** Price per single unit: the effective tiered rate, or the first tier's when there is no usage. */
function perUnit(cost: number, quantity: number, tiers: PriceTable['sqs']['standardPerMillion']): number {
  return quantity > 0 ? cost / quantity : (tiers[0]?.price ?? 0) / MILLION;
}

function round(n: number): string {
  return n >= 10 ? String(Math.round(n)) : String(Math.round(n * 10) / 10);
}
