/** devhub groups: list consumer groups (owners, checkpoints, lag per shard) and reset one. */
import { KinesisShardSource, listGroups, parsePosition, resetGroup, formatPosition, type ShardInfo } from '../../consumer';
import { Command, Option, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { parsedBy } from '../args';
import type { Hub } from '../hub';

export function groupsCommand(hub: Hub): CommandUnknownOpts {
  const groups = new Command('groups').description('list consumer groups (owners, checkpoints, lag); reset one to a position');
  groups
    .command('list')
    .description(
      'every consumer group of the built-in endpoint: per shard its state (owned, handing-over, free, finished), owner, checkpoint and the lag its owner last reported (ms behind the tip); --json: one JSON array',
    )
    .action(() => list(hub));
  groups
    .command('reset')
    .description('move a stopped group: its next instance starts every shard at the position (refused while an instance holds a lease)')
    .argument('<group>')
    .addOption(
      new Option('--to <position>', 'trim-horizon, latest (now) or an ISO time').argParser(parsedBy(parsePosition)).makeOptionMandatory(),
    )
    .action(async (group, opts) => {
      const shards = await resetGroup(hub.aws().dynamo, hub.context.resourceName('CHECKPOINTS_TABLE'), group, opts.to);
      const to = formatPosition(opts.to);
      hub.result(
        { group, to, shardsCleared: shards },
        `group ${group} reset to ${to}: ${shards} shard checkpoints cleared; its next instance starts there`,
      );
    });
  return groups;
}

async function list(hub: Hub): Promise<void> {
  const clients = hub.aws();
  let shards: ShardInfo[] | undefined;
  try {
    shards = await new KinesisShardSource(clients.kinesis, hub.context.resourceName('EVENTS_STREAM')).listShards();
  } catch {
    shards = undefined; // the table alone still says who owns what
  }
  const groups = await listGroups(clients.dynamo, hub.context.resourceName('CHECKPOINTS_TABLE'), shards);
  if (hub.json) {
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
}
