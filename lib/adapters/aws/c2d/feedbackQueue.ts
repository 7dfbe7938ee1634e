/**
 * The feedback SQS queue, in IoT Hub's feedback format: every SQS message is one feedback batch,
 * its body a JSON array of records, with the message attribute `contentType` =
 * application/vnd.microsoft.iothub.feedback.json. Backends read it through the hub's HTTPS
 * feedback API (FeedbackLocks: the SQS visibility timeout is the lock), the console's
 * `POST /feedback/receive`, the CLI's `feedback tail`, or SQS directly. The queue URL is resolved
 * once per cold start.
 *
 * One queue, competing receivers, as IoT Hub's feedback receiver: every batch is handed to one
 * reader at a time under a lock, and leaves the queue only through that lock's complete. Both
 * readers here are the same lock protocol (FeedbackLocks): FeedbackReader locks batches, completes
 * what it keeps, abandons what it does not, and splits a batch it keeps only part of (the rest is
 * re-published before the original is completed), so no record is lost and none is completed twice.
 */
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { LockLostError } from '../../../c2d/errors';
import type { FeedbackSink } from '../../../c2d/store';
import type { FeedbackRecord } from '../../../c2d/types';

export const FEEDBACK_CONTENT_TYPE = 'application/vnd.microsoft.iothub.feedback.json';

/** The records of one feedback message: a JSON array (a lone object, as older hubs wrote, is one record). */
export function parseFeedbackBody(body: string | undefined): FeedbackRecord[] | undefined {
  try {
    const parsed: unknown = JSON.parse(body ?? '');
    const list = Array.isArray(parsed) ? parsed : [parsed];
    const ok = list.every((r) => r !== null && typeof r === 'object' && typeof (r as FeedbackRecord).originalMessageId === 'string');
    return ok && list.length > 0 ? (list as FeedbackRecord[]) : undefined;
  } catch {
    return undefined;
  }
}

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

  /** One feedback batch (one SQS message) for the records; deviceId/statusCode attributes when they are shared. */
  async publish(records: readonly FeedbackRecord[]): Promise<void> {
    if (records.length === 0) return;
    const QueueUrl = await this.url.get();
    const shared = (pick: (r: FeedbackRecord) => string) => {
      const values = new Set(records.map(pick));
      return values.size === 1 ? [...values][0] : undefined;
    };
    const deviceId = shared((r) => r.deviceId);
    const statusCode = shared((r) => r.statusCode);
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: JSON.stringify(records),
        MessageAttributes: {
          contentType: { DataType: 'String', StringValue: FEEDBACK_CONTENT_TYPE },
          ...(deviceId !== undefined ? { deviceId: { DataType: 'String', StringValue: deviceId } } : {}),
          ...(statusCode !== undefined ? { statusCode: { DataType: 'String', StringValue: statusCode } } : {}),
        },
      }),
    );
  }
}

export class FeedbackReader {
  private readonly locks: FeedbackLocks;
  private readonly publisher: FeedbackPublisher;

  constructor(sqs: SQSClient, queueName: string) {
    this.locks = new FeedbackLocks(sqs, queueName);
    this.publisher = new FeedbackPublisher(sqs, queueName);
  }

  /**
   * One receive of up to 10 batches, each locked as the HTTPS feedback API locks them. The
   * records `keep` accepts are returned and their batch completed; a batch with none is abandoned
   * at once (visible to other readers); a batch with some is split: the others are re-published
   * as a batch of their own first, then the original is completed. A lock lost meanwhile (another
   * reader's now) means the batch is not ours: its records are not returned.
   */
  async receive(opts: { waitSeconds?: number; keep?: (r: FeedbackRecord) => boolean } = {}): Promise<FeedbackRecord[]> {
    const keep = opts.keep ?? (() => true);
    const batches = await this.locks.receiveMany(READER_LOCK_SECONDS, 10, opts.waitSeconds ?? 0);
    const kept: FeedbackRecord[] = [];
    for (const batch of batches) {
      // Not feedback: left for whoever understands it.
      const records = parseFeedbackBody(batch.body);
      const mine = records?.filter(keep) ?? [];
      try {
        if (!records || mine.length === 0) {
          await this.locks.abandon(batch.lockToken);
          continue;
        }
        const rest = records.filter((r) => !keep(r));
        if (rest.length > 0) await this.publisher.publish(rest);
        await this.locks.complete(batch.lockToken);
        kept.push(...mine);
      } catch (err) {
        if (err instanceof LockLostError) continue; // timed out and taken by another reader: theirs now
        throw err;
      }
    }
    return kept;
  }
}

/** How long FeedbackReader holds a batch while it sorts it (a few SQS calls). */
const READER_LOCK_SECONDS = 30;

/** One feedback batch as the HTTPS feedback API hands it out. */
export interface LockedFeedback {
  lockToken: string;
  body: string;
  enqueuedTimeUtc: string;
}

/** The SQS receipt handle travels as the lock token (base64url: safe in a URL path). */
function toLockToken(receiptHandle: string): string {
  return Buffer.from(receiptHandle, 'utf8').toString('base64url');
}

function fromLockToken(lockToken: string): string {
  if (!/^[A-Za-z0-9_-]{1,4096}$/.test(lockToken)) throw new LockLostError('the lock token is not a feedback lock');
  return Buffer.from(lockToken, 'base64url').toString('utf8');
}

/** SQS errors that mean "this receipt handle no longer holds the message". */
function isLostReceipt(err: unknown): boolean {
  const name = (err as { name?: string } | null)?.name ?? '';
  return /ReceiptHandleIsInvalid|MessageNotInflight|InvalidParameterValue|InvalidReceiptHandle/i.test(name);
}

/**
 * IoT Hub's HTTPS feedback receiver over the SQS feedback queue: a receive locks one batch for
 * the lock timeout (the SQS visibility timeout), complete deletes it, abandon makes it visible again.
 */
export class FeedbackLocks {
  private readonly url: QueueUrl;

  constructor(
    private readonly sqs: SQSClient,
    queueName: string,
  ) {
    this.url = new QueueUrl(sqs, queueName);
  }

  async receive(lockSeconds: number): Promise<LockedFeedback | undefined> {
    return (await this.receiveMany(lockSeconds, 1, 0))[0];
  }

  /** Up to `max` batches (1..10), each locked for `lockSeconds`. */
  async receiveMany(lockSeconds: number, max: number, waitSeconds: number): Promise<LockedFeedback[]> {
    const QueueUrl = await this.url.get();
    const out = await this.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl,
        MaxNumberOfMessages: max,
        WaitTimeSeconds: waitSeconds,
        VisibilityTimeout: lockSeconds,
        MessageSystemAttributeNames: ['SentTimestamp'],
        // The deprecated spelling too: local-aws-sqs reads only this one (AWS accepts both).
        AttributeNames: ['All'],
      }),
    );
    return (out.Messages ?? []).flatMap((m) =>
      m.ReceiptHandle
        ? [
            {
              lockToken: toLockToken(m.ReceiptHandle),
              body: m.Body ?? '[]',
              enqueuedTimeUtc: new Date(Number(m.Attributes?.SentTimestamp ?? Date.now())).toISOString(),
            },
          ]
        : [],
    );
  }

  async complete(lockToken: string): Promise<void> {
    const ReceiptHandle = fromLockToken(lockToken);
    const QueueUrl = await this.url.get();
    try {
      await this.sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle }));
    } catch (err) {
      if (isLostReceipt(err)) throw new LockLostError('the feedback lock token is not valid');
      throw err;
    }
  }

  async abandon(lockToken: string): Promise<void> {
    const ReceiptHandle = fromLockToken(lockToken);
    const QueueUrl = await this.url.get();
    try {
      await this.sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle, VisibilityTimeout: 0 }));
    } catch (err) {
      if (isLostReceipt(err)) throw new LockLostError('the feedback lock is lost (timed out or already settled)');
      throw err;
    }
  }
}
