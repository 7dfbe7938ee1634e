/**
 * The records the router's Kinesis event source mapping writes to `router-failures` when it
 * gives up on a batch (retries exhausted or records too old): AWS's on-failure invocation record
 * for stream sources, with the batch's shard and sequence range in `KinesisBatchInfo`
 * (https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html). The local
 * poller writes the same shape. Pure.
 */
export interface FailedRange {
  shardId: string;
  startSequenceNumber: string;
  endSequenceNumber: string;
  batchSize: number;
  /** Why the mapping gave up: RetryAttemptsExhausted, RecordAgeExceeded, ... */
  condition?: string;
  timestamp?: string;
}

export function parseFailureRecord(body: string): FailedRange | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  const v = value as { KinesisBatchInfo?: Record<string, unknown>; requestContext?: { condition?: unknown }; timestamp?: unknown };
  const info = v.KinesisBatchInfo;
  if (
    !info ||
    typeof info.shardId !== 'string' ||
    typeof info.startSequenceNumber !== 'string' ||
    typeof info.endSequenceNumber !== 'string'
  )
    return undefined;
  return {
    shardId: info.shardId,
    startSequenceNumber: info.startSequenceNumber,
    endSequenceNumber: info.endSequenceNumber,
    batchSize: typeof info.batchSize === 'number' ? info.batchSize : 0,
    ...(typeof v.requestContext?.condition === 'string' ? { condition: v.requestContext.condition } : {}),
    ...(typeof v.timestamp === 'string' ? { timestamp: v.timestamp } : {}),
  };
}

/** The on-failure record for a range, as AWS writes it (used by the local poller). */
export function failureRecord(range: FailedRange & { streamArn: string; functionArn: string }): Record<string, unknown> {
  return {
    requestContext: {
      requestId: `local-${Date.now()}`,
      functionArn: range.functionArn,
      condition: range.condition ?? 'RetryAttemptsExhausted',
      approximateInvokeCount: 1,
    },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    version: '1.0',
    timestamp: range.timestamp ?? new Date().toISOString(),
    KinesisBatchInfo: {
      shardId: range.shardId,
      startSequenceNumber: range.startSequenceNumber,
      endSequenceNumber: range.endSequenceNumber,
      batchSize: range.batchSize,
      streamArn: range.streamArn,
    },
  };
}

/** Kinesis sequence numbers are decimal strings of up to 128 bits: compare them as numbers. */
export function sequenceAfter(a: string, b: string): boolean {
  return BigInt(a) > BigInt(b);
}
