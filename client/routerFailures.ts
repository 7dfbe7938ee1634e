/**
 * `devhub routing failures`: the ranges the router's event source mapping gave up on (the
 * `router-failures` queue), and their replay: the range's records are read back from the
 * built-in stream and handed to the router function exactly as the event source mapping would
 * (same event shape, same function, same IAM), so they are routed, enriched and dead-lettered by
 * the same code. The clients come from the caller (the CLI's AWS credentials, or the local hub).
 */
import { GetRecordsCommand, GetShardIteratorCommand, type KinesisClient, type _Record } from '@aws-sdk/client-kinesis';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { parseFailureRecord, sequenceAfter, type FailedRange } from '../lib/routing/failureRecord';

export interface FailureEntry {
  messageId: string;
  receiptHandle: string;
  range: FailedRange;
}

export async function queueUrl(sqs: SQSClient, queueName: string): Promise<string> {
  const url = (await sqs.send(new GetQueueUrlCommand({ QueueName: queueName }))).QueueUrl;
  if (!url) throw new Error(`queue ${queueName} not found`);
  return url;
}

/**
 * Every failure record in the queue, held invisible for `holdSeconds` (0: they stay visible,
 * for listing). Records that are not on-failure records are skipped.
 */
export async function listFailures(sqs: SQSClient, url: string, holdSeconds: number, max = 1000): Promise<FailureEntry[]> {
  const seen = new Map<string, FailureEntry>();
  for (let emptyOrStale = 0; emptyOrStale < 2 && seen.size < max;) {
    const out = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: holdSeconds, WaitTimeSeconds: 0 }),
    );
    const fresh = (out.Messages ?? []).filter((m) => m.MessageId && !seen.has(m.MessageId));
    if (fresh.length === 0) emptyOrStale++;
    for (const m of fresh) {
      const range = parseFailureRecord(m.Body ?? '');
      if (range && m.MessageId && m.ReceiptHandle) seen.set(m.MessageId, { messageId: m.MessageId, receiptHandle: m.ReceiptHandle, range });
    }
  }
  return [...seen.values()];
}

/** The range's records, read back from the stream (still there while within retention). */
export async function readRange(kinesis: KinesisClient, streamName: string, range: FailedRange): Promise<_Record[]> {
  let iterator = (
    await kinesis.send(
      new GetShardIteratorCommand({
        StreamName: streamName,
        ShardId: range.shardId,
        ShardIteratorType: 'AT_SEQUENCE_NUMBER',
        StartingSequenceNumber: range.startSequenceNumber,
      }),
    )
  ).ShardIterator;
  const records: _Record[] = [];
  while (iterator) {
    const out = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
    for (const r of out.Records ?? []) {
      if (r.SequenceNumber && sequenceAfter(r.SequenceNumber, range.endSequenceNumber)) return records;
      records.push(r);
    }
    if ((out.Records ?? []).length === 0) return records; // the end of what the shard holds
    iterator = out.NextShardIterator;
  }
  return records;
}

/** A Kinesis event as Lambda's event source mapping builds it (the local poller's too). */
export function kinesisEvent(
  records: readonly _Record[],
  shardId: string,
  streamArn: string,
  region: string,
  invokeIdentityArn = 'devhub-routing-failures-replay',
) {
  return {
    Records: records.map((r) => ({
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: r.PartitionKey,
        sequenceNumber: r.SequenceNumber,
        data: Buffer.from(r.Data ?? new Uint8Array()).toString('base64'),
        approximateArrivalTimestamp: (r.ApproximateArrivalTimestamp?.getTime() ?? Date.now()) / 1000,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${shardId}:${r.SequenceNumber ?? ''}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn,
      awsRegion: region,
      eventSourceARN: streamArn,
    })),
  };
}

export interface ReplayResult {
  records: number;
  /** Sequence numbers the router reported as not finished (the range stays queued). */
  failed: string[];
}

/** Replays one range through the router function; the failure record is removed only when all of it was routed. */
export async function replayFailure(
  deps: {
    sqs: SQSClient;
    kinesis: KinesisClient;
    lambda: LambdaClient;
    queueUrl: string;
    streamName: string;
    functionName: string;
    region: string;
  },
  entry: FailureEntry,
): Promise<ReplayResult> {
  const records = await readRange(deps.kinesis, deps.streamName, entry.range);
  const streamArn = `arn:aws:kinesis:${deps.region}:000000000000:stream/${deps.streamName}`;
  let failed: string[] = [];
  for (let i = 0; i < records.length; i += 100) {
    const batch = records.slice(i, i + 100);
    const out = await deps.lambda.send(
      new InvokeCommand({
        FunctionName: deps.functionName,
        Payload: Buffer.from(JSON.stringify(kinesisEvent(batch, entry.range.shardId, streamArn, deps.region))),
      }),
    );
    const text = out.Payload ? Buffer.from(out.Payload).toString('utf8') : '';
    if (out.FunctionError) {
      failed = failed.concat(batch.map((r) => r.SequenceNumber ?? ''));
      continue;
    }
    const result = (text ? JSON.parse(text) : {}) as { batchItemFailures?: { itemIdentifier?: string }[] };
    failed = failed.concat((result.batchItemFailures ?? []).map((f) => f.itemIdentifier ?? ''));
  }
  if (failed.length === 0) await deps.sqs.send(new DeleteMessageCommand({ QueueUrl: deps.queueUrl, ReceiptHandle: entry.receiptHandle }));
  else
    await deps.sqs.send(
      new ChangeMessageVisibilityCommand({ QueueUrl: deps.queueUrl, ReceiptHandle: entry.receiptHandle, VisibilityTimeout: 0 }),
    );
  return { records: records.length, failed };
}
