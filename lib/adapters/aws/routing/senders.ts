/**
 * One service call per batch to a custom endpoint: SQS SendMessageBatch (FIFO with the
 * device id as message group and the message key as de-duplication id) or Kinesis PutRecords
 * (device id as partition key). Failed entries are reported by index; the retrying is in
 * ../delivery.ts.
 */
import { PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { chunk, KINESIS_BATCH, SQS_BATCH } from '../../../routing/batching';
import type { EntryFailure, SendBatch } from '../../../routing/delivery';
import type { Endpoint } from '../../../routing/model';
import type { EndpointSender } from '../../../routing/router';
import { byteSize, sqsAttributes } from '../../../routing/outgoing';

export function sqsSendBatch(sqs: SQSClient, queueUrl: string, fifo: boolean): SendBatch {
  return async (batch) => {
    const out = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: batch.map((m, i) => ({
          Id: String(i),
          MessageBody: m.body,
          MessageAttributes: sqsAttributes(m.envelope),
          ...(fifo ? { MessageGroupId: m.deviceId, MessageDeduplicationId: m.key } : {}),
        })),
      }),
    );
    const failures = new Map<number, EntryFailure>();
    for (const f of out.Failed ?? []) {
      const index = Number(f.Id);
      // SenderFault: the entry itself is invalid (e.g. too large); retrying cannot help.
      if (Number.isInteger(index))
        failures.set(index, { error: `${f.Code ?? 'Failed'}: ${f.Message ?? ''}`.trim(), permanent: f.SenderFault === true });
    }
    const ok = new Set((out.Successful ?? []).map((s) => Number(s.Id)));
    batch.forEach((_, i) => {
      if (!ok.has(i) && !failures.has(i)) failures.set(i, { error: 'no result for entry', permanent: false });
    });
    return failures;
  };
}

export function kinesisSendBatch(kinesis: KinesisClient, streamName: string): SendBatch {
  return async (batch) => {
    const out = await kinesis.send(
      new PutRecordsCommand({
        StreamName: streamName,
        Records: batch.map((m) => ({ PartitionKey: m.deviceId, Data: Buffer.from(m.body) })),
      }),
    );
    const failures = new Map<number, EntryFailure>();
    batch.forEach((_, i) => {
      const r = out.Records?.[i];
      if (!r) failures.set(i, { error: 'no result for record', permanent: false });
      else if (r.ErrorCode) failures.set(i, { error: `${r.ErrorCode}: ${r.ErrorMessage ?? ''}`.trim(), permanent: false });
    });
    return failures;
  };
}

/**
 * Call errors caused by an entry's content (AWS error names): SQS refuses an over-size or
 * invalid message for the whole batch call; Kinesis refuses an over-size record with a
 * validation error. Access, throttling and missing-resource errors are the endpoint's.
 */
const POISON_ERRORS = new Set([
  'InvalidParameterValue',
  'InvalidParameterValueException',
  'InvalidMessageContents',
  'BatchRequestTooLong',
  'MessageTooLong',
  'ValidationException',
  'InvalidArgumentException',
]);

export function isPoisonError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const fault = (err as { $fault?: string }).$fault;
  return fault !== 'server' && POISON_ERRORS.has(err.name);
}

export function senderFor(endpoint: Endpoint, clients: { sqs: SQSClient; kinesis: KinesisClient }): EndpointSender {
  if (endpoint.type === 'kinesis') {
    return {
      send: kinesisSendBatch(clients.kinesis, endpoint.address),
      split: (m) => chunk(m, KINESIS_BATCH, byteSize),
      isPoison: isPoisonError,
    };
  }
  return {
    send: sqsSendBatch(clients.sqs, endpoint.address, endpoint.type === 'sqs-fifo'),
    split: (m) => chunk(m, SQS_BATCH, byteSize),
    isPoison: isPoisonError,
  };
}
