/**
 * Default AWS quotas the traffic is checked against (us-east-1; see docs/scaling.md for the
 * sources and what to change when one binds). Not prices: these decide whether the costed
 * deployment can carry the traffic at all. Pure.
 */
import type { Usage } from './usage';
import { FUNCTION_ROLES } from './types';

export const QUOTAS = {
  /** Account throttle across HTTP, REST, WebSocket and WebSocket callback APIs, per Region (adjustable). */
  apiGatewayRps: 10_000,
  /** New WebSocket connections per second per account per Region (adjustable). */
  websocketNewConnectionsPerSec: 500,
  /** Concurrent Lambda executions per account per Region (adjustable). */
  lambdaConcurrency: 1_000,
  /** Synchronous invocations per second per Region: 10 × the concurrency quota (what a function URL front door meets). */
  lambdaInvocationsPerSecPerConcurrency: 10,
  /** Kinesis write capacity of one shard. */
  shardRecordsPerSec: 1_000,
  shardBytesPerSec: 1024 * 1024,
  /** Concurrent batches per shard for a Lambda event source mapping. */
  maxParallelizationFactor: 10,
  /** On-demand DynamoDB table: request units per second per table (adjustable), and per partition (fixed). */
  dynamodbTableRequestUnitsPerSec: 40_000,
  dynamodbPartitionReadUnitsPerSec: 3_000,
  dynamodbPartitionWriteUnitsPerSec: 1_000,
} as const;

export interface QuotaCheck {
  quota: string;
  limit: number;
  peak: number;
  /** peak / limit. */
  utilisation: number;
}

/** Peak demand against each default quota, highest utilisation first. */
export function checkQuotas(u: Usage, settings: { routerParallelizationFactor: number }): QuotaCheck[] {
  const lambdaPeak = FUNCTION_ROLES.reduce((sum, role) => sum + u.functions[role].peakConcurrency, 0);
  const apiPeak = u.http.peakRps + u.websocket.peakMessagesPerSec;
  const synchronous = ['deviceApi', 'serviceApi', 'wsConnect', 'wsDisconnect', 'wsMessage'] as const;
  const synchronousPeak =
    (synchronous.reduce((sum, role) => sum + u.functions[role].invocations, 0) / u.month.seconds) *
    (u.messages.total > 0 ? u.messages.perSecondPeak / u.messages.perSecondAvg : 1);
  const routerMax = u.kinesis.polledShards * settings.routerParallelizationFactor;
  const checks: QuotaCheck[] = [
    {
      quota: 'API Gateway account throttle (requests/s, HTTP + WebSocket + @connections)',
      limit: QUOTAS.apiGatewayRps,
      peak: apiPeak,
      utilisation: 0,
    },
    { quota: 'Lambda concurrent executions (account)', limit: QUOTAS.lambdaConcurrency, peak: lambdaPeak, utilisation: 0 },
    {
      quota: 'Lambda synchronous invocations/s (10 × concurrency quota; device and API functions)',
      limit: QUOTAS.lambdaConcurrency * QUOTAS.lambdaInvocationsPerSecPerConcurrency,
      peak: synchronousPeak,
      utilisation: 0,
    },
    {
      quota: 'WebSocket new connections/s',
      limit: QUOTAS.websocketNewConnectionsPerSec,
      peak: u.websocket.peakNewConnectionsPerSec,
      utilisation: 0,
    },
    {
      quota: `Kinesis write capacity (records/s, ${u.kinesis.mode === 'provisioned' ? `${u.kinesis.configuredShards} configured shard(s)` : 'on-demand'})`,
      limit: u.kinesis.mode === 'provisioned' ? u.kinesis.configuredShards * QUOTAS.shardRecordsPerSec : Infinity,
      peak: u.kinesis.peakRecordsPerSec,
      utilisation: 0,
    },
    {
      quota: `router concurrency (${u.kinesis.polledShards} shard(s) × parallelization factor ${settings.routerParallelizationFactor})`,
      limit: routerMax,
      peak: u.functions.router.peakConcurrency,
      utilisation: 0,
    },
    {
      quota: 'DynamoDB on-demand table read units/s (per table)',
      limit: QUOTAS.dynamodbTableRequestUnitsPerSec,
      peak: u.dynamodb.peakRegistryReadUnitsPerSec,
      utilisation: 0,
    },
  ];
  for (const c of checks) c.utilisation = Number.isFinite(c.limit) && c.limit > 0 ? c.peak / c.limit : 0;
  return checks.sort((a, b) => b.utilisation - a.utilisation);
}
