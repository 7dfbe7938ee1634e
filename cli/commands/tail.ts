/**
 * devhub tail: read the built-in endpoint (every shard). For a person at a terminal each
 * message is shown decoded (cli/tail/format.ts); in a pipe the raw envelope stays the default,
 * one JSON object per line, so scripts keep working.
 */
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Envelope } from '../../lib/envelope';
import { decodeRecord, parseStartPosition, readStream } from '../../client/streamReader';
import { paletteFor } from '../colors';
import { flag, intOption, parse, str } from '../args';
import { UsageError, type HubContext } from '../context';
import { formatEnvelope } from '../tail/format';

const usage = `Usage: devhub tail [--from trim-horizon|latest|<ISO time>] [--limit N] [--follow]
                   [--device <id>] [--props] [--raw | --human]

Prints the built-in endpoint's messages (the events Kinesis stream).
At a terminal: one block per message, like 'az iot hub monitor-events': the device, the
enqueued time, the payload decoded (JSON pretty-printed when the content type says JSON,
text when it is text, base64 only for binary), in colour.
In a pipe or file: the raw envelope, one JSON object per line (as --raw).
  --from     where to start (default trim-horizon)
  --limit    stop after N messages (after --device filtering)
  --follow   keep waiting for new messages (Ctrl-C to stop)
  --device   only this device's messages
  --props    also print application and system properties (implies the decoded view)
  --raw      the envelope as JSON lines, even at a terminal
  --human    the decoded blocks, even in a pipe (no colours there)`;

export async function tailCommand(argv: string[], ctx: HubContext): Promise<void> {
  const p = parse(
    argv,
    {
      from: { type: 'string' },
      limit: { type: 'string' },
      follow: { type: 'boolean' },
      device: { type: 'string' },
      props: { type: 'boolean' },
      raw: { type: 'boolean' },
      human: { type: 'boolean' },
    },
    usage,
  );
  if (!p) return;
  let from;
  try {
    from = parseStartPosition(str(p, 'from'));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (flag(p, 'raw') && flag(p, 'human')) throw new UsageError(`--raw and --human exclude each other\n\n${usage}`);
  const limit = intOption(p, 'limit', 1, 1_000_000);
  const device = str(p, 'device');
  if (flag(p, 'raw') && flag(p, 'props')) throw new UsageError('--props is for the decoded view; the raw envelope has every property');
  const human = flag(p, 'human') || flag(p, 'props') || (!flag(p, 'raw') && process.stdout.isTTY === true);
  const palette = paletteFor(process.stdout);
  ctx.applyAwsEnvironment();
  const kinesis = new KinesisClient({ requestHandler: new NodeHttpHandler() });
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  let printed = 0;
  const follow = flag(p, 'follow');
  // Where each shard was left: a follow that hits an error (Kinesis restarting) resumes there.
  const positions = new Map<string, string>();
  try {
    for (;;) {
      try {
        for await (const record of readStream(kinesis, ctx.resourceName('EVENTS_STREAM'), {
          from,
          follow,
          signal: abort.signal,
          positions,
        })) {
          const envelope = decodeRecord<Envelope>(record);
          if (device !== undefined && envelope.deviceId !== device) continue;
          if (human) process.stdout.write(`${formatEnvelope(envelope, { props: flag(p, 'props') }, palette)}\n`);
          else console.log(JSON.stringify(envelope));
          if (limit !== undefined && ++printed >= limit) return;
        }
        return;
      } catch (err) {
        if (!follow || abort.signal.aborted) throw err;
        console.error(`devhub: reading the stream failed (${err instanceof Error ? err.message : String(err)}); resuming in 1 s`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  } finally {
    kinesis.destroy();
  }
}
