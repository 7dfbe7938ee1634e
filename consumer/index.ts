/**
 * devhub consumer groups: read the hub's built-in endpoint (the events Kinesis stream) as a named
 * group whose instances share the shards through leases in the checkpoints table, checkpoint
 * after each batch and resume where the group left off. See README, "Consumer groups".
 *
 *   const consumer = createConsumer({ group: 'billing', handler, kinesis, dynamo, streamName, tableName });
 *   await consumer.start();  ...  await consumer.stop();
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Envelope } from '../lib/envelope';
import { GroupConsumer, type GroupConsumerOptions } from './consumer';
import { DynamoLeaseStore } from './dynamoLeaseStore';
import { EnhancedFanOutShardSource, type EnhancedFanOutOptions } from './enhancedFanOutShardSource';
import { KinesisShardSource, type KinesisShardSourceOptions } from './kinesisShardSource';
import { pinPosition } from './position';
import type { Lease, ShardInfo, StartPosition } from './types';

export * from './types';
export * from './errors';
export { parsePosition, formatPosition, PositionError } from './position';
export { GroupConsumer, type GroupConsumerOptions } from './consumer';
export { DynamoLeaseStore } from './dynamoLeaseStore';
export { KinesisShardSource } from './kinesisShardSource';
export { EnhancedFanOutShardSource, type EnhancedFanOutOptions } from './enhancedFanOutShardSource';
export type { LeaseStore, ShardSource } from './ports';

export interface AwsLocation {
  /** Your Kinesis client (locally: with a NodeHttpHandler, kinesalite has no HTTP/2). */
  kinesis: KinesisClient;
  /** Your DynamoDB document client. */
  dynamo: DynamoDBDocumentClient;
  /** The built-in endpoint: `devhub-{stage}-events`. */
  streamName: string;
  /** The lease table: `devhub-{stage}-checkpoints`. */
  tableName: string;
  kinesisOptions?: KinesisShardSourceOptions;
  /**
   * Read through the group's registered stream consumer with SubscribeToShard (enhanced fan-out:
   * `--param enhancedFanOutGroups=<group>` when deploying; the ARN is the stack output
   * `EventsConsumer<Group>Arn`) instead of GetRecords. The Kinesis client must speak HTTP/2 (the
   * SDK's default). Not available locally: kinesalite has no SubscribeToShard.
   */
  enhancedFanOut?: Omit<EnhancedFanOutOptions, 'onResubscribe'>;
}

export type ConsumerOptions<T = Envelope> = Omit<GroupConsumerOptions<T>, 'store' | 'source' | 'decode' | 'streamName'> &
  AwsLocation & { decode?: (data: Uint8Array) => T };

/** Decodes a record of the built-in endpoint: the hub's JSON envelope. */
export function decodeEnvelope(data: Uint8Array): Envelope {
  return JSON.parse(Buffer.from(data).toString('utf8')) as Envelope;
}

export function createConsumer<T = Envelope>(o: ConsumerOptions<T>): GroupConsumer<T> {
  const { kinesis, dynamo, tableName, kinesisOptions, decode, enhancedFanOut, ...rest } = o;
  const source = enhancedFanOut
    ? new EnhancedFanOutShardSource(
        kinesis,
        o.streamName,
        {
          ...enhancedFanOut,
          onResubscribe: (shardId, reason, err) =>
            rest.onEvent?.({ type: 'resubscribed', shardId, reason, ...(err !== undefined ? { error: err as Error } : {}) }),
        },
        kinesisOptions,
      )
    : new KinesisShardSource(kinesis, o.streamName, kinesisOptions);
  return new GroupConsumer<T>({
    // Records are pushed: no read quota to spare between empty events, so no pause after one.
    ...(enhancedFanOut ? { idleMs: 0 } : {}),
    ...rest,
    store: new DynamoLeaseStore(dynamo, tableName),
    source,
    decode: decode ?? (decodeEnvelope as unknown as (data: Uint8Array) => T),
  });
}

export interface GroupSummary {
  group: string;
  start: StartPosition;
  createdAt: number;
  shards: (Lease & { state: 'owned' | 'free' | 'finished' | 'handing-over'; closed?: boolean })[];
}

/** Every group in the table, with its shards' owners, checkpoints and last reported lag. */
export async function listGroups(
  dynamo: DynamoDBDocumentClient,
  tableName: string,
  shards?: ShardInfo[],
  now = Date.now(),
): Promise<GroupSummary[]> {
  const closed = new Map((shards ?? []).map((s) => [s.shardId, s.closed]));
  const groups = await new DynamoLeaseStore(dynamo, tableName).listGroups();
  return groups.map(({ group, leases }) => ({
    group: group.group,
    start: group.start,
    createdAt: group.createdAt,
    shards: leases.map((l) => ({
      ...l,
      state: l.checkpoint === 'SHARD_END' ? 'finished' : l.owner && l.expiresAt > now ? (l.transferTo ? 'handing-over' : 'owned') : 'free',
      ...(closed.has(l.shardId) ? { closed: closed.get(l.shardId) } : {}),
    })),
  }));
}

/** Moves a stopped group to a position (trim-horizon, latest = now, or a time). Throws UnknownGroupError, GroupActiveError. */
export async function resetGroup(
  dynamo: DynamoDBDocumentClient,
  tableName: string,
  group: string,
  to: StartPosition,
  now = Date.now(),
): Promise<number> {
  return new DynamoLeaseStore(dynamo, tableName).reset(group, pinPosition(to, now), now);
}
