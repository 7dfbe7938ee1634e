/** devhub groups: list consumer groups (owners, checkpoints, lag per shard) and reset one. */
import { KinesisShardSource, listGroups, parsePosition, resetGroup, formatPosition, type ShardInfo } from '../../consumer';
import { flag, parse, positional, str } from '../args';
import { UsageError, type HubContext } from '../context';
import { streamClients } from './aws';

const usage = `Usage: devhub groups list [--json]
       devhub groups reset <group> --to trim-horizon|latest|<ISO time>

list   every consumer group of the built-in endpoint: per shard its state (owned, handing-over,
       free, finished), owner, checkpoint and the lag its owner last reported (ms behind the tip)
reset  moves a stopped group: its next instance starts every shard at the position
       (latest = now). Refused while an instance of the group holds a lease.`;

export async function groupsCommand(argv: string[], ctx: HubContext): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub === 'list') return list(rest, ctx);
  if (sub === 'reset') return reset(rest, ctx);
  console.log(usage);
  if (sub === '--help' || sub === '-h') return;
  throw new UsageError(sub === undefined ? 'missing groups command' : `unknown groups command "${sub}"`);
}

async function list(argv: string[], ctx: HubContext): Promise<void> {
  const p = parse(argv, { json: { type: 'boolean' } }, usage);
  if (!p) return;
  const clients = streamClients(ctx);
  try {
    let shards: ShardInfo[] | undefined;
    try {
      shards = await new KinesisShardSource(clients.kinesis, ctx.resourceName('EVENTS_STREAM')).listShards();
    } catch {
      shards = undefined; // the table alone still says who owns what
    }
    const groups = await listGroups(clients.dynamo, ctx.resourceName('CHECKPOINTS_TABLE'), shards);
    if (flag(p, 'json')) {
      console.log(JSON.stringify(groups, null, 2));
      return;
    }
    if (groups.length === 0) {
      console.log('no consumer groups yet (devhub consume --group <name> creates one)');
      return;
    }
    for (const g of groups) {
      console.log(`${g.group}  (started at ${formatPosition(g.start)}, created ${new Date(g.createdAt).toISOString()})`);
      for (const s of g.shards) {
        const lag = s.lagMs !== undefined && s.state !== 'finished' ? `${s.lagMs} ms behind` : '';
        const cp = s.checkpoint === undefined ? 'no checkpoint' : s.checkpoint === 'SHARD_END' ? 'SHARD_END' : `checkpoint ${s.checkpoint}`;
        console.log(
          `  ${s.shardId}  ${s.state.padEnd(12)} ${(s.state === 'owned' || s.state === 'handing-over' ? (s.owner ?? '') : '-').padEnd(28)} ${cp}  ${lag}`.trimEnd(),
        );
      }
    }
  } finally {
    clients.destroy();
  }
}

async function reset(argv: string[], ctx: HubContext): Promise<void> {
  const p = parse(argv, { to: { type: 'string' } }, usage);
  if (!p) return;
  const group = positional(p, 0, 'group', usage);
  const to = str(p, 'to');
  if (to === undefined) throw new UsageError(`--to is required\n\n${usage}`);
  let position;
  try {
    position = parsePosition(to);
  } catch (err) {
    throw new UsageError(`--to: ${(err as Error).message}`);
  }
  const clients = streamClients(ctx);
  try {
    const shards = await resetGroup(clients.dynamo, ctx.resourceName('CHECKPOINTS_TABLE'), group, position);
    console.log(`group ${group} reset to ${to}: ${shards} shard checkpoints cleared; its next instance starts there`);
  } finally {
    clients.destroy();
  }
}
