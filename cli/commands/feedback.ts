/** devhub feedback tail: consume the cloud-to-device feedback queue, one JSON record per line. */
import { SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { FeedbackReader } from '../../lib/adapters/aws/c2d/feedbackQueue';
import { flag, parse, str } from '../args';
import { UsageError, type HubContext } from '../context';

const usage = `Usage: devhub feedback tail [--follow] [--device <id>]

Receives the feedback records of cloud-to-device commands sent with --ack (Success, Expired,
DeliveryCountExceeded, Rejected, Purged) from the feedback SQS queue, prints one JSON object
per line and deletes them (like IoT Hub's feedback receiver). Without --follow it stops once
the queue is empty; with --follow it waits for more (Ctrl-C to stop). With --device it takes
only that device's records and leaves the others on the queue.`;

export async function feedbackCommand(argv: string[], ctx: HubContext): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub !== 'tail') {
    console.log(usage);
    if (sub === '--help' || sub === '-h') return;
    throw new UsageError(sub === undefined ? 'missing feedback command' : `unknown feedback command "${sub}"`);
  }
  const p = parse(rest, { follow: { type: 'boolean' }, device: { type: 'string' } }, usage);
  if (!p) return;
  ctx.applyAwsEnvironment();
  const sqs = new SQSClient({ requestHandler: new NodeHttpHandler() });
  const reader = new FeedbackReader(sqs, ctx.resourceName('FEEDBACK_QUEUE'));
  let stopping = false;
  process.once('SIGINT', () => (stopping = true));
  try {
    while (!stopping) {
      const device = str(p, 'device');
      const records = await reader.receive({ waitSeconds: 1, ...(device === undefined ? {} : { keep: (r) => r.deviceId === device }) });
      for (const r of records) console.log(JSON.stringify(r));
      if (records.length === 0 && !flag(p, 'follow')) return;
    }
  } finally {
    sqs.destroy();
  }
}
