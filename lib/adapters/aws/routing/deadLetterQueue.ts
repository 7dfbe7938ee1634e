/** The routing dead-letter SQS queue: write records, peek at them, take them for redrive. */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { chunk, SQS_BATCH } from '../../../routing/batching';
import { malformedDeadLetter, parseDeadLetter, type DeadLetter } from '../../../routing/deadLetter';
import { describe } from '../../../routing/delivery';
import type { DeadLetterSource, ReceivedDeadLetter } from '../../../routing/redrive';

export interface DeadLetterQueueOptions {
  maxAttempts: number;
  baseDelayMs: number;
  sleep?: (ms: number) => Promise<void>;
}

export class DeadLetterQueue implements DeadLetterSource {
  private url: string | undefined;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly sqs: SQSClient,
    private readonly queueName: string,
    private readonly opts: DeadLetterQueueOptions,
  ) {
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  private async queueUrl(): Promise<string> {
    this.url ??= (await this.sqs.send(new GetQueueUrlCommand({ QueueName: this.queueName }))).QueueUrl;
    if (!this.url) throw new Error(`no URL for queue ${this.queueName}`);
    return this.url;
  }

  /**
   * Writes the records, retrying what fails; returns the indexes it could not write (the
   * caller must then not acknowledge those stream records).
   */
  async write(letters: readonly DeadLetter[]): Promise<Set<number>> {
    const indexed = letters.map((letter, index) => ({ index, body: JSON.stringify(letter), endpoint: letter.endpoint ?? '' }));
    const unwritten = new Set<number>();
    for (const batch of chunk(indexed, SQS_BATCH, (e) => Buffer.byteLength(e.body) + 256)) {
      let pending = batch;
      for (let attempt = 1; pending.length > 0; attempt++) {
        let failed: typeof pending;
        try {
          const out = await this.sqs.send(
            new SendMessageBatchCommand({
              QueueUrl: await this.queueUrl(),
              Entries: pending.map((e, i) => ({
                Id: String(i),
                MessageBody: e.body,
                ...(e.endpoint ? { MessageAttributes: { endpoint: { DataType: 'String', StringValue: e.endpoint } } } : {}),
              })),
            }),
          );
          const ok = new Set((out.Successful ?? []).map((s) => Number(s.Id)));
          failed = pending.filter((_, i) => !ok.has(i));
        } catch (err) {
          if (attempt === 1) console.error(JSON.stringify({ level: 'warn', message: 'dead-letter write failed', error: describe(err) }));
          failed = pending;
        }
        if (failed.length === 0) break;
        if (attempt >= this.opts.maxAttempts) {
          for (const e of failed) unwritten.add(e.index);
          break;
        }
        pending = failed;
        await this.sleep(this.opts.baseDelayMs * 2 ** (attempt - 1));
      }
    }
    return unwritten;
  }

  /** Up to 10 records, hidden from other readers for `visibilitySeconds`. */
  async receive(visibilitySeconds: number): Promise<ReceivedDeadLetter[]> {
    const out = await this.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: await this.queueUrl(),
        MaxNumberOfMessages: 10,
        VisibilityTimeout: visibilitySeconds,
        WaitTimeSeconds: 0,
      }),
    );
    const received: ReceivedDeadLetter[] = [];
    for (const m of out.Messages ?? []) {
      const deadLetter = parseDeadLetter(m.Body);
      if (!m.ReceiptHandle || !m.MessageId) continue;
      received.push({
        receiptHandle: m.ReceiptHandle,
        messageId: m.MessageId,
        // A foreign message in the queue is shown as malformed rather than hidden.
        deadLetter: deadLetter ?? foreign(m.Body ?? ''),
      });
    }
    return received;
  }

  async delete(handles: readonly string[]): Promise<void> {
    for (let i = 0; i < handles.length; i += 10) {
      const slice = handles.slice(i, i + 10);
      await this.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: await this.queueUrl(),
          Entries: slice.map((h, j) => ({ Id: String(j), ReceiptHandle: h })),
        }),
      );
    }
  }

  /** Makes received records visible again at once. */
  async release(handles: readonly string[]): Promise<void> {
    for (let i = 0; i < handles.length; i += 10) {
      const slice = handles.slice(i, i + 10);
      await this.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: await this.queueUrl(),
          Entries: slice.map((h, j) => ({ Id: String(j), ReceiptHandle: h, VisibilityTimeout: 0 })),
        }),
      );
    }
  }
}

function foreign(body: string): DeadLetter {
  const record = { eventId: '', sequenceNumber: '', data: Buffer.from(body) };
  // Not written by the router, so it has no dead-lettering time of ours.
  return { ...malformedDeadLetter(record, 'not a devhub dead-letter record', new Date(0)), deadLetteredTime: '' };
}
