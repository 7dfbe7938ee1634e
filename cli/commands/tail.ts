/**
 * devhub tail: read the built-in endpoint (every shard). For a person at a terminal each
 * message is shown decoded (cli/tail/format.ts); in a pipe the raw envelope stays the default,
 * one JSON object per line, so scripts keep working.
 */
import { Command, Option, type CommandUnknownOpts } from '@commander-js/extra-typings';
import type { Envelope } from '../../lib/envelope';
import { decodeRecord, parseStartPosition, readStream, type StartPosition } from '../../client/streamReader';
import { intIn, parsedBy } from '../args';
import { paletteFor } from '../colors';
import { UsageError } from '../context';
import type { Hub } from '../hub';
import { formatEnvelope } from '../tail/format';

export function tailCommand(hub: Hub): CommandUnknownOpts {
  return new Command('tail')
    .description("print the built-in endpoint's messages (decoded at a terminal; JSON lines in a pipe or with --json; no position kept)")
    .addOption(
      new Option('--from <position>', 'where to start: trim-horizon, latest or an ISO time')
        .argParser(parsedBy(parseStartPosition))
        .default(parseStartPosition(undefined), 'trim-horizon'),
    )
    .addOption(new Option('--limit <n>', 'stop after N messages (after --device filtering)').argParser(intIn(1, 1_000_000)))
    .option('--follow', 'keep waiting for new messages (Ctrl-C to stop)')
    .option('--device <id>', "only this device's messages")
    .option('--props', 'also print application and system properties (implies the decoded view)')
    .addOption(new Option('--raw', 'the envelope as JSON lines, even at a terminal (as --json)').conflicts('human'))
    .option('--human', 'the decoded blocks, even in a pipe (no colours there)')
    .addHelpText(
      'after',
      `
Prints the built-in endpoint's messages (the events Kinesis stream).
At a terminal: one block per message, like 'az iot hub monitor-events': the device, the
enqueued time, the payload decoded (JSON pretty-printed when the content type says JSON,
text when it is text, base64 only for binary), in colour.
In a pipe or file, or with --json or --raw: the raw envelope, one JSON object per line.`,
    )
    .action(async (opts) => {
      const raw = opts.raw === true || hub.json;
      if (raw && opts.human) throw new UsageError('--json and --human exclude each other');
      if (raw && opts.props) throw new UsageError('--props is for the decoded view; the raw envelope has every property');
      const human = opts.human === true || opts.props === true || (!raw && process.stdout.isTTY === true);
      await tail(hub, { ...opts, human });
    });
}

interface TailOptions {
  from: StartPosition;
  limit?: number;
  follow?: true;
  device?: string;
  props?: true;
  human: boolean;
}

async function tail(hub: Hub, opts: TailOptions): Promise<void> {
  const { from, limit, device, human } = opts;
  const follow = opts.follow === true;
  const palette = paletteFor(process.stdout);
  const { kinesis } = hub.aws();
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  let printed = 0;
  // Where each shard was left: a follow that hits an error (Kinesis restarting) resumes there.
  const positions = new Map<string, string>();
  for (;;) {
    try {
      for await (const record of readStream(kinesis, hub.context.resourceName('EVENTS_STREAM'), {
        from,
        follow,
        signal: abort.signal,
        positions,
      })) {
        const envelope = decodeRecord<Envelope>(record);
        if (device !== undefined && envelope.deviceId !== device) continue;
        if (human) process.stdout.write(`${formatEnvelope(envelope, { props: opts.props === true }, palette)}\n`);
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
}
