/** Reading one device's cloud-to-device feedback from the test hub's feedback queue. */
import { SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { FeedbackReader } from '../../lib/adapters/aws/c2d/feedbackQueue';
import type { FeedbackRecord } from '../../lib/c2d/types';
import { hubInfo, resourceName } from './hub';

let reader: { sqs: SQSClient; feedback: FeedbackReader } | undefined;

function feedbackReader(): FeedbackReader {
  if (!reader) {
    hubInfo();
    const sqs = new SQSClient({ requestHandler: new NodeHttpHandler() });
    reader = { sqs, feedback: new FeedbackReader(sqs, resourceName('FEEDBACK_QUEUE')) };
  }
  return reader.feedback;
}

/** Collects (and consumes) this device's feedback records until `count` arrived, or the timeout. */
export async function feedbackFor(deviceId: string, count: number, timeoutMs = 10_000): Promise<FeedbackRecord[]> {
  const got: FeedbackRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (got.length < count && Date.now() < deadline) {
    got.push(...(await feedbackReader().receive({ waitSeconds: 1, keep: (r) => r.deviceId === deviceId })));
  }
  return got;
}

export function closeFeedbackReader(): void {
  reader?.sqs.destroy();
  reader = undefined;
}
