/**
 * The feedback SQS queue: the hub publishes one message per feedback record; backends (the
 * CLI's `feedback tail`, the tests) receive and delete them. The queue URL is resolved once per
 * cold start from the queue name in the configuration.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { FeedbackSink } from './store';
import type { FeedbackRecord } from './types';

class QueueUrl {
  private url: Promise<string> | undefined;

  constructor(
    private readonly sqs: SQSClient,
    private readonly queueName: string,
  ) {}

  get(): Promise<string> {
    this.url ??= this.sqs.send(new GetQueueUrlCommand({ QueueName: this.queueName })).then(
      (out) => {
        if (!out.QueueUrl) throw new Error(`queue ${this.queueName} has no URL`);
        return out.QueueUrl;
      },
      (err: unknown) => {
        this.url = undefined; // a failed lookup is retried by the next caller
        throw err;
      },
    );
    return this.url;
  }
}

export class FeedbackPublisher implements FeedbackSink {
  private readonly url: QueueUrl;

  constructor(
    private readonly sqs: SQSClient,
    queueName: string,
  ) {
    this.url = new QueueUrl(sqs, queueName);
  }

  async publish(records: readonly FeedbackRecord[]): Promise<void> {
    const QueueUrl = await this.url.get();
    for (const record of records) {
      await this.sqs.send(
        new SendMessageCommand({
          QueueUrl,
          MessageBody: JSON.stringify(record),
          MessageAttributes: {
            deviceId: { DataType: 'String', StringValue: record.deviceId },
            statusCode: { DataType: 'String', StringValue: record.statusCode },
          },
        }),
      );
    }
  }
}

export class FeedbackReader {
  private readonly url: QueueUrl;

  constructor(
    private readonly sqs: SQSClient,
    queueName: string,
  ) {
    this.url = new QueueUrl(sqs, queueName);
  }

  /**
   * One receive. Records `keep` accepts are deleted (consumed) and returned; the others are
   * made visible again at once, so several readers can share the queue by filtering.
   */
  async receive(opts: { waitSeconds?: number; keep?: (r: FeedbackRecord) => boolean } = {}): Promise<FeedbackRecord[]> {
    const QueueUrl = await this.url.get();
    const keep = opts.keep ?? (() => true);
    const out = await this.sqs.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: opts.waitSeconds ?? 0, VisibilityTimeout: 30 }),
    );
    const kept: FeedbackRecord[] = [];
    const consumed: { Id: string; ReceiptHandle: string }[] = [];
    const returned: { Id: string; ReceiptHandle: string; VisibilityTimeout: number }[] = [];
    for (const [i, m] of (out.Messages ?? []).entries()) {
      if (!m.ReceiptHandle) continue;
      let record: FeedbackRecord | undefined;
      try {
        record = JSON.parse(m.Body ?? '') as FeedbackRecord;
      } catch {
        record = undefined; // not a feedback record: leave it for whoever understands it
      }
      if (record && keep(record)) {
        kept.push(record);
        consumed.push({ Id: String(i), ReceiptHandle: m.ReceiptHandle });
      } else {
        returned.push({ Id: String(i), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 });
      }
    }
    if (consumed.length > 0) await this.sqs.send(new DeleteMessageBatchCommand({ QueueUrl, Entries: consumed }));
    if (returned.length > 0) await this.sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl, Entries: returned }));
    return kept;
  }
}
