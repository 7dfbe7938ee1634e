/** devhub status: is every part of the local hub up; stream lag, queue depths, registry counts. */
import { paletteFor } from '../colors';
import { flag, parse } from '../args';
import type { HubContext } from '../context';
import { collectStatus } from '../status/collect';
import { renderStatus } from '../status/report';

const usage = `Usage: devhub status [--json]

Shows the local hub ('npm start') found through the data dir (DEVHUB_DATA_DIR, else .devhub):
each component (dynamodb, kinesis, sqs, functions, poller) up or down with its pid and ports,
the poller's schedules, the built-in stream's shards and each consumer's lag (records behind
its checkpoint and the age of the oldest of them), the depths of the feedback, dead-letter
and router-failure queues, and the device and route counts.
  --json   the same as one JSON object
Exit code 0 when every component and schedule is up, 1 otherwise (scripts can wait on it).`;

export class HubDownError extends Error {}

export async function statusCommand(argv: string[], ctx: HubContext): Promise<void> {
  const p = parse(argv, { json: { type: 'boolean' } }, usage);
  if (!p) return;
  const report = await collectStatus(ctx);
  if (flag(p, 'json')) console.log(JSON.stringify(report, null, 2));
  else console.log(renderStatus(report, paletteFor(process.stdout), Date.now()));
  if (!report.ok) throw new HubDownError('');
}
