/** devhub tail: read the built-in endpoint (every shard) and print one envelope per line. */
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { decodeRecord, parseStartPosition, readStream } from '../../lib/client/streamReader';
import { flag, intOption, parse, str } from '../args';
import { UsageError, type HubContext } from '../context';

const usage = `Usage: devhub tail [--from trim-horizon|latest|<ISO time>] [--limit N] [--follow]

Prints the built-in endpoint's envelopes (the events Kinesis stream), one JSON object per line.
  --from     where to start (default trim-horizon)
  --limit    stop after N messages
  --follow   keep waiting for new messages (Ctrl-C to stop)`;

export async function tailCommand(argv: string[], ctx: HubContext): Promise<void> {
  const p = parse(argv, { from: { type: 'string' }, limit: { type: 'string' }, follow: { type: 'boolean' } }, usage);
  if (!p) return;
  let from;
  try {
    from = parseStartPosition(str(p, 'from'));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const limit = intOption(p, 'limit', 1, 1_000_000);
  ctx.applyAwsEnvironment();
  const kinesis = new KinesisClient({ requestHandler: new NodeHttpHandler() });
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  try {
    for await (const record of readStream(kinesis, ctx.resourceName('EVENTS_STREAM'), {
      from,
      ...(limit !== undefined ? { limit } : {}),
      follow: flag(p, 'follow'),
      signal: abort.signal,
    })) {
      console.log(JSON.stringify(decodeRecord(record)));
    }
  } finally {
    kinesis.destroy();
  }
}
