/** devhub feedback tail: consume the cloud-to-device feedback queue, one JSON record per line. */
import { Command, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { FeedbackReader } from '../../lib/adapters/aws/c2d/feedbackQueue';
import type { Hub } from '../hub';

export function feedbackCommand(hub: Hub): CommandUnknownOpts {
  const feedback = new Command('feedback').description('tail the cloud-to-device feedback queue');
  feedback
    .command('tail')
    .description('receive (and delete) feedback records, one JSON object per line')
    .option('--follow', 'wait for more once the queue is empty (Ctrl-C to stop)')
    .option('--device <id>', "take only this device's records, leave the others on the queue")
    .addHelpText(
      'after',
      `
Receives the feedback records of cloud-to-device commands sent with --ack (Success, Expired,
DeliveryCountExceeded, Rejected, Purged) from the feedback SQS queue, prints one JSON object
per line and deletes them (like IoT Hub's feedback receiver). Without --follow it stops once
the queue is empty.`,
    )
    .action(async (opts) => {
      const reader = new FeedbackReader(hub.aws().sqs, hub.context.resourceName('FEEDBACK_QUEUE'));
      const device = opts.device;
      let stopping = false;
      process.once('SIGINT', () => (stopping = true));
      while (!stopping) {
        const records = await reader.receive({ waitSeconds: 1, ...(device === undefined ? {} : { keep: (r) => r.deviceId === device }) });
        for (const r of records) hub.line(r);
        if (records.length === 0 && !opts.follow) return;
      }
    });
  return feedback;
}
