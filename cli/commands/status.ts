/** devhub status: is every part of the local hub up; stream lag, queue depths, registry counts. */
import { Command, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { paletteFor } from '../colors';
import type { Hub } from '../hub';
import { collectStatus } from '../status/collect';
import { renderStatus } from '../status/report';

export function statusCommand(hub: Hub): CommandUnknownOpts {
  return new Command('status')
    .description("the local hub's components, stream lag, queue depths, counts (exit 1 if a part is down)")
    .addHelpText(
      'after',
      `
Shows the local hub ('npm start') found through the data dir (DEVHUB_DATA_DIR, else .devhub):
each component (dynamodb, kinesis, sqs, functions, poller) up or down with its pid and ports,
the poller's schedules, the built-in stream's shards and each consumer's lag (records behind
its checkpoint and the age of the oldest of them), the depths of the feedback, dead-letter
and router-failure queues, and the device and route counts. --json prints the same as one
JSON object. Exit code 0 when every component and schedule is up, 1 otherwise (scripts can
wait on it).`,
    )
    .action(async () => {
      const report = await collectStatus(hub.context);
      if (hub.json) console.log(JSON.stringify(report, null, 2));
      else console.log(renderStatus(report, paletteFor(process.stdout), Date.now()));
      if (!report.ok) hub.exitCode = 1;
    });
}
