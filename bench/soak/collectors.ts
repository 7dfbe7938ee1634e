/**
 * The other end of the ledger: reads what arrived at the built-in stream, the Kinesis
 * endpoint, the SQS and FIFO queues and the feedback queue, straight from the emulators (not
 * through the fault proxies). Every read survives emulator restarts: a stream reader resumes
 * after the last record it saw.
 */
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { FeedbackReader } from '../../lib/adapters/aws/c2d/feedbackQueue';
import type { FeedbackRecord } from '../../lib/c2d/types';
import type { Envelope } from '../../lib/envelope';

/** The ledger identity of a soak message, or undefined for anything else (lifecycle events, other runs). */
export function soakMessageOf(envelope: Envelope, run: string): { deviceId: string; seq: number } | undefined {
  if (envelope.messageSource !== 'Telemetry' || envelope.properties.soakrun !== run) return undefined;
  return { deviceId: envelope.deviceId, seq: Number(envelope.properties.soakseq) };
}

/** Reads every shard of a stream, in order per shard, from the start; call `poll` repeatedly. */
export class StreamCollector {
  private readonly iterators = new Map<string, string | undefined>();
  private readonly lastSeen = new Map<string, string>();
  private shards: string[] = [];
  records = 0;

  constructor(
    private readonly kinesis: KinesisClient,
    private readonly streamName: string,
    private readonly onEnvelope: (e: Envelope) => void,
  ) {}

  /** Reads what is there now (returns how many records). Throws on emulator errors; call again. */
  async poll(): Promise<number> {
    if (this.shards.length === 0) {
      const out = await this.kinesis.send(new ListShardsCommand({ StreamName: this.streamName }));
      this.shards = (out.Shards ?? []).map((s) => s.ShardId ?? '').filter((id) => id !== '');
    }
    let count = 0;
    for (const shard of this.shards) count += await this.pollShard(shard);
    return count;
  }

  private async pollShard(shardId: string): Promise<number> {
    let count = 0;
    for (;;) {
      let iterator = this.iterators.get(shardId);
      if (!iterator) {
        const after = this.lastSeen.get(shardId);
        const out = await this.kinesis.send(
          new GetShardIteratorCommand({
            StreamName: this.streamName,
            ShardId: shardId,
            ...(after
              ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: after }
              : { ShardIteratorType: 'TRIM_HORIZON' }),
          }),
        );
        iterator = out.ShardIterator;
        if (!iterator) return count;
      }
      let out;
      try {
        out = await this.kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
      } catch (err) {
        this.iterators.delete(shardId); // expired or from before a restart: resume after the last record
        throw err;
      }
      this.iterators.set(shardId, out.NextShardIterator);
      for (const r of out.Records ?? []) {
        if (r.SequenceNumber) this.lastSeen.set(shardId, r.SequenceNumber);
        this.records++;
        count++;
        this.onEnvelope(JSON.parse(Buffer.from(r.Data ?? new Uint8Array()).toString('utf8')) as Envelope);
      }
      if ((out.Records ?? []).length === 0 && (out.MillisBehindLatest ?? 0) === 0) return count;
    }
  }
}

/** Receives and deletes everything in a queue (SQS or FIFO), in receive order. */
export class QueueCollector {
  messages = 0;

  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly onBody: (body: string) => void,
  ) {}

  async poll(): Promise<number> {
    let count = 0;
    for (;;) {
      const out = await this.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: this.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 60 }),
      );
      const messages = out.Messages ?? [];
      if (messages.length === 0) return count;
      for (const m of messages) this.onBody(m.Body ?? '');
      count += messages.length;
      this.messages += messages.length;
      await this.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
        }),
      );
    }
  }
}

/** Every feedback record for this run's devices. */
export class FeedbackCollector {
  private readonly reader: FeedbackReader;
  records = 0;

  constructor(
    sqs: SQSClient,
    queueName: string,
    private readonly isOurs: (r: FeedbackRecord) => boolean,
    private readonly onRecord: (r: FeedbackRecord) => void,
  ) {
    this.reader = new FeedbackReader(sqs, queueName);
  }

  async poll(): Promise<number> {
    let count = 0;
    for (;;) {
      const got = await this.reader.receive({ keep: this.isOurs });
      if (got.length === 0) return count;
      for (const r of got) this.onRecord(r);
      count += got.length;
      this.records += got.length;
    }
  }
}
