/**
 * The lease table (`devhub-{stage}-checkpoints`) in DynamoDB: partition key `group`, sort key
 * `shardId`; one row per shard per group plus a `#group` row with the start position. Every
 * change of ownership is a conditional write, so two instances never both own a shard.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GroupActiveError, LeaseLostError, UnknownGroupError } from './errors';
import type { LeaseStore } from './ports';
import type { GroupInfo, Lease, StartPosition } from './types';

const GROUP_ROW = '#group';
// `group` and `owner` are DynamoDB reserved words: every expression names attributes with #.

interface GroupItem {
  group: string;
  shardId: string;
  streamName: string;
  startType: StartPosition['type'];
  startTime?: number;
  createdAt: number;
}

function isConditionFailure(err: unknown): boolean {
  return err instanceof ConditionalCheckFailedException || (err as Error).name === 'ConditionalCheckFailedException';
}

function toGroup(item: GroupItem): GroupInfo {
  const start: StartPosition =
    item.startType === 'at-timestamp' ? { type: 'at-timestamp', time: new Date(item.startTime ?? 0) } : { type: item.startType };
  return { group: item.group, streamName: item.streamName, start, createdAt: item.createdAt };
}

function toLease(item: Record<string, unknown>): Lease {
  return {
    group: String(item.group),
    shardId: String(item.shardId),
    ...(typeof item.owner === 'string' ? { owner: item.owner } : {}),
    expiresAt: Number(item.expiresAt ?? 0),
    counter: Number(item.counter ?? 0),
    ...(typeof item.checkpoint === 'string' ? { checkpoint: item.checkpoint } : {}),
    parentShardIds: Array.isArray(item.parentShardIds) ? item.parentShardIds.map(String) : [],
    ...(typeof item.transferTo === 'string' ? { transferTo: item.transferTo } : {}),
    ...(item.lagMs !== undefined ? { lagMs: Number(item.lagMs) } : {}),
    ...(item.lagAt !== undefined ? { lagAt: Number(item.lagAt) } : {}),
  };
}

export class DynamoLeaseStore implements LeaseStore {
  constructor(
    private readonly dynamo: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async ensureGroup(info: GroupInfo): Promise<GroupInfo> {
    const item: GroupItem = {
      group: info.group,
      shardId: GROUP_ROW,
      streamName: info.streamName,
      startType: info.start.type,
      ...(info.start.type === 'at-timestamp' ? { startTime: info.start.time.getTime() } : {}),
      createdAt: info.createdAt,
    };
    try {
      await this.dynamo.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(#s)',
          ExpressionAttributeNames: { '#s': 'shardId' },
        }),
      );
      return info;
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
    const stored = await this.getGroup(info.group);
    if (!stored) throw new Error(`group ${info.group} vanished while being created`);
    return stored;
  }

  async getGroup(group: string): Promise<GroupInfo | undefined> {
    const out = await this.dynamo.send(
      new GetCommand({ TableName: this.tableName, Key: { group, shardId: GROUP_ROW }, ConsistentRead: true }),
    );
    return out.Item ? toGroup(out.Item as GroupItem) : undefined;
  }

  async listGroups(): Promise<{ group: GroupInfo; leases: Lease[] }[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.dynamo.send(new ScanCommand({ TableName: this.tableName, ConsistentRead: true, ExclusiveStartKey: start }));
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    const groups = items.filter((i) => i.shardId === GROUP_ROW).map((i) => toGroup(i as unknown as GroupItem));
    return groups
      .sort((a, b) => a.group.localeCompare(b.group))
      .map((group) => ({
        group,
        leases: items
          .filter((i) => i.group === group.group && i.shardId !== GROUP_ROW)
          .map(toLease)
          .sort((a, b) => a.shardId.localeCompare(b.shardId)),
      }));
  }

  async leases(group: string): Promise<Lease[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.dynamo.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#g = :g',
          ExpressionAttributeNames: { '#g': 'group' },
          ExpressionAttributeValues: { ':g': group },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items.filter((i) => i.shardId !== GROUP_ROW).map(toLease);
  }

  async createLease(group: string, shardId: string, parentShardIds: string[]): Promise<void> {
    try {
      await this.dynamo.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { group, shardId, counter: 0, expiresAt: 0, parentShardIds },
          ConditionExpression: 'attribute_not_exists(#s)',
          ExpressionAttributeNames: { '#s': 'shardId' },
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }

  async take(lease: Lease, me: string, expiresAt: number): Promise<Lease | undefined> {
    try {
      const out = await this.dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { group: lease.group, shardId: lease.shardId },
          UpdateExpression: 'SET #o = :me, #e = :e, #c = #c + :one REMOVE #t',
          ConditionExpression: '#c = :c',
          ExpressionAttributeNames: { '#o': 'owner', '#e': 'expiresAt', '#c': 'counter', '#t': 'transferTo' },
          ExpressionAttributeValues: { ':me': me, ':e': expiresAt, ':one': 1, ':c': lease.counter },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toLease(out.Attributes ?? {});
    } catch (err) {
      if (isConditionFailure(err)) return undefined;
      throw err;
    }
  }

  async renew(group: string, shardId: string, me: string, expiresAt: number, lagMs: number | undefined): Promise<Lease> {
    try {
      const out = await this.dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { group, shardId },
          UpdateExpression: `SET #e = :e, #c = #c + :one${lagMs !== undefined ? ', lagMs = :lag, lagAt = :now' : ''}`,
          ConditionExpression: '#o = :me',
          ExpressionAttributeNames: { '#o': 'owner', '#e': 'expiresAt', '#c': 'counter' },
          ExpressionAttributeValues: {
            ':me': me,
            ':e': expiresAt,
            ':one': 1,
            ...(lagMs !== undefined ? { ':lag': lagMs, ':now': Date.now() } : {}),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toLease(out.Attributes ?? {});
    } catch (err) {
      if (isConditionFailure(err)) throw new LeaseLostError(shardId);
      throw err;
    }
  }

  async requestTransfer(lease: Lease, me: string): Promise<boolean> {
    try {
      await this.dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { group: lease.group, shardId: lease.shardId },
          UpdateExpression: 'SET #t = :me',
          ConditionExpression: '#o = :owner AND attribute_not_exists(#t)',
          ExpressionAttributeNames: { '#o': 'owner', '#t': 'transferTo' },
          ExpressionAttributeValues: { ':me': me, ':owner': lease.owner ?? '' },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  async release(group: string, shardId: string, me: string, reserveFor?: { to: string; until: number }): Promise<void> {
    try {
      await this.dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { group, shardId },
          UpdateExpression: reserveFor
            ? 'SET #e = :until, #t = :to, #c = #c + :one REMOVE #o'
            : 'SET #e = :zero, #c = #c + :one REMOVE #o, #t',
          ConditionExpression: '#o = :me',
          ExpressionAttributeNames: { '#o': 'owner', '#e': 'expiresAt', '#c': 'counter', '#t': 'transferTo' },
          ExpressionAttributeValues: {
            ':me': me,
            ':one': 1,
            ...(reserveFor ? { ':until': reserveFor.until, ':to': reserveFor.to } : { ':zero': 0 }),
          },
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }

  async checkpoint(group: string, shardId: string, me: string, sequenceNumber: string): Promise<void> {
    try {
      await this.dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { group, shardId },
          UpdateExpression: 'SET #k = :seq, checkpointAt = :now',
          ConditionExpression: '#o = :me',
          ExpressionAttributeNames: { '#o': 'owner', '#k': 'checkpoint' },
          ExpressionAttributeValues: { ':me': me, ':seq': sequenceNumber, ':now': Date.now() },
        }),
      );
    } catch (err) {
      if (isConditionFailure(err)) throw new LeaseLostError(shardId);
      throw err;
    }
  }

  async reset(group: string, start: StartPosition, now: number): Promise<number> {
    // Like Kafka's offset reset, only for a group with no running instance: a running one would
    // keep reading from where it is until it noticed.
    const live = (await this.leases(group)).filter((l) => l.owner !== undefined && l.expiresAt > now);
    if (live.length > 0) throw new GroupActiveError(group, [...new Set(live.map((l) => l.owner ?? ''))]);
    try {
      await this.dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { group, shardId: GROUP_ROW },
          UpdateExpression:
            start.type === 'at-timestamp'
              ? 'SET startType = :t, startTime = :time, resetAt = :now'
              : 'SET startType = :t, resetAt = :now REMOVE startTime',
          ConditionExpression: 'attribute_exists(#s)',
          ExpressionAttributeNames: { '#s': 'shardId' },
          ExpressionAttributeValues: {
            ':t': start.type,
            ':now': now,
            ...(start.type === 'at-timestamp' ? { ':time': start.time.getTime() } : {}),
          },
        }),
      );
    } catch (err) {
      if (isConditionFailure(err)) throw new UnknownGroupError(group);
      throw err;
    }
    const leases = await this.leases(group);
    for (const lease of leases) {
      await this.dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { group, shardId: lease.shardId },
          UpdateExpression: 'SET #e = :zero, #c = #c + :one REMOVE #o, #t, #k, lagMs, lagAt',
          ExpressionAttributeNames: { '#o': 'owner', '#e': 'expiresAt', '#c': 'counter', '#t': 'transferTo', '#k': 'checkpoint' },
          ExpressionAttributeValues: { ':zero': 0, ':one': 1 },
        }),
      );
    }
    return leases.length;
  }
}
