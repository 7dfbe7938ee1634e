/**
 * The QueueStore on the C2D DynamoDB table (partition key deviceId, sort key sk):
 *   sk "meta"            {nextSeq, pending: number set}   counter and depth slots of one device
 *   sk "m#<seq, 16 digits>"  one command record             sorted by sequence number
 * Records carry sweepShard/sweepAt for the sparse "sweep" index (every record has a due time:
 * its expiry, a final lock's end, or a settled record's outbox grace) and `ttl` (a day after
 * expiry) so DynamoDB eventually deletes anything left behind. Every mutation is one
 * conditional write on one item: dynalite has no TransactWriteItems, and none is needed.
 *
 * The SDK retries a request whose response was lost; a conditional write that succeeded the
 * first time then fails its condition on the retry. So every record write carries a random
 * `writeId`, and a condition failure is checked against it: if the stored item is our own
 * write, the write succeeded. A delete leaves nothing to check, so `removeIfVersion` trusts a
 * failed condition only when it came on the request's first attempt (the SDK reports the
 * attempts on the error), and after a retry takes a missing item for its own delete.
 *
 * The sweep index is KEYS_ONLY, so an update writes to it only when it changes sweepAt (the
 * DynamoDB developer guide, GSI write capacity: a table write that needs no index update consumes
 * none of the index's capacity). `replace` also leaves sweepAt out of the update when the
 * transition keeps it (a lock that is not the last delivery, an abandon), so the index is
 * certainly not touched.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { randomBytes } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { RecordExistsError, type QueueStore } from '../../../c2d/store';
import type { CommandRecord } from '../../../c2d/types';

const META = 'meta';
const PREFIX = 'm#';
/** Shards of the sweep index's partition key, so its writes spread over partitions. */
export const SWEEP_SHARDS = 8;
const PAGE = 10;
const TTL_AFTER_EXPIRY_SECONDS = 24 * 3600;

/** Fields a transition may change; the rest of a record is written once. */
const MUTABLE = ['state', 'deliveryCount', 'version', 'lockToken', 'lockedUntilMs', 'outcome', 'feedbackDue', 'settledAtMs'] as const;
const ALL_BUT_BODY = [
  'deviceId',
  'sk',
  'sequenceNumber',
  'messageId',
  'correlationId',
  'userId',
  'contentType',
  'contentEncoding',
  'ack',
  'properties',
  'deviceGenerationId',
  'enqueuedAtMs',
  'expiresAtMs',
  'sweepAt',
  ...MUTABLE,
];

function sortKey(sequenceNumber: number): string {
  return `${PREFIX}${String(sequenceNumber).padStart(16, '0')}`;
}

export function sweepShard(deviceId: string): string {
  let h = 0;
  for (let i = 0; i < deviceId.length; i++) h = (h * 31 + deviceId.charCodeAt(i)) >>> 0;
  return `s${h % SWEEP_SHARDS}`;
}

function isConditionFailure(err: unknown): boolean {
  return err instanceof ConditionalCheckFailedException || (err as { name?: string } | null)?.name === 'ConditionalCheckFailedException';
}

/** How many times the SDK sent the request that failed (its retry middleware records it on the error). */
function attemptsOf(err: unknown): number {
  return Number((err as { $metadata?: { attempts?: number } } | null)?.$metadata?.attempts ?? 1);
}

type Item = Record<string, unknown>;

function toItem(record: CommandRecord): Item {
  const { sweepAtMs, ...rest } = record;
  return {
    ...rest,
    sk: sortKey(record.sequenceNumber),
    sweepShard: sweepShard(record.deviceId),
    sweepAt: sweepAtMs,
    ttl: Math.ceil(record.expiresAtMs / 1000) + TTL_AFTER_EXPIRY_SECONDS,
  };
}

function newWriteId(): string {
  return randomBytes(12).toString('hex');
}

function toRecord(item: Item): CommandRecord {
  const { sk: _sk, sweepShard: _shard, sweepAt, ttl: _ttl, writeId: _w, body, ...rest } = item;
  const record = { ...rest, sweepAtMs: Number(sweepAt) } as unknown as CommandRecord; // written by toItem
  if (body instanceof Uint8Array) record.body = Buffer.from(body);
  return record;
}

export class DynamoQueueStore implements QueueStore {
  constructor(
    private readonly dynamo: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async nextSequence(deviceId: string): Promise<number> {
    const out = await this.dynamo.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { deviceId, sk: META },
        UpdateExpression: 'ADD nextSeq :one',
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(out.Attributes?.nextSeq);
  }

  async insert(record: CommandRecord): Promise<void> {
    const writeId = newWriteId();
    try {
      await this.dynamo.send(
        new PutCommand({ TableName: this.table, Item: { ...toItem(record), writeId }, ConditionExpression: 'attribute_not_exists(sk)' }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      if ((await this.getItem(record.deviceId, record.sequenceNumber))?.writeId !== writeId) throw new RecordExistsError();
    }
  }

  async reserve(deviceId: string, sequenceNumber: number, maxDepth: number): Promise<boolean> {
    try {
      await this.dynamo.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { deviceId, sk: META },
          UpdateExpression: 'ADD pending :seq',
          ConditionExpression: 'attribute_not_exists(pending) OR size(pending) < :max',
          ExpressionAttributeValues: { ':seq': new Set([sequenceNumber]), ':max': maxDepth },
        }),
      );
      return true;
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      // Full, unless a lost response hid that our first attempt added it.
      return (await this.pending(deviceId)).includes(sequenceNumber);
    }
  }

  async release(deviceId: string, sequenceNumbers: readonly number[]): Promise<void> {
    if (sequenceNumbers.length === 0) return;
    try {
      await this.dynamo.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { deviceId, sk: META },
          UpdateExpression: 'DELETE pending :seqs',
          // Without it, an update of a dropped device would re-create its meta item.
          ConditionExpression: 'attribute_exists(sk)',
          ExpressionAttributeValues: { ':seqs': new Set(sequenceNumbers) },
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }

  async pending(deviceId: string): Promise<number[]> {
    const out = await this.dynamo.send(
      new GetCommand({ TableName: this.table, Key: { deviceId, sk: META }, ConsistentRead: true, ProjectionExpression: 'pending' }),
    );
    const set = out.Item?.pending as Set<number> | undefined;
    return [...(set ?? [])].map(Number).sort((a, b) => a - b);
  }

  async *records(deviceId: string, from: number): AsyncIterable<CommandRecord> {
    const names = Object.fromEntries(ALL_BUT_BODY.map((n, i) => [`#a${i}`, n]));
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await this.dynamo.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: '#a0 = :d AND #a1 BETWEEN :from AND :to',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ':d': deviceId, ':from': sortKey(from), ':to': `${PREFIX}~` },
          ProjectionExpression: Object.keys(names).join(', '),
          ConsistentRead: true,
          Limit: PAGE,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of out.Items ?? []) yield toRecord(item);
      startKey = out.LastEvaluatedKey;
    } while (startKey);
  }

  async get(deviceId: string, sequenceNumber: number): Promise<CommandRecord | undefined> {
    const item = await this.getItem(deviceId, sequenceNumber);
    return item ? toRecord(item) : undefined;
  }

  private async getItem(deviceId: string, sequenceNumber: number): Promise<Item | undefined> {
    const out = await this.dynamo.send(
      new GetCommand({ TableName: this.table, Key: { deviceId, sk: sortKey(sequenceNumber) }, ConsistentRead: true }),
    );
    return out.Item;
  }

  async replace(next: CommandRecord, read: Pick<CommandRecord, 'version' | 'sweepAtMs'>): Promise<CommandRecord | undefined> {
    const writeId = newWriteId();
    const names: Record<string, string> = { '#version': 'version', '#writeId': 'writeId' };
    const values: Record<string, unknown> = { ':expected': read.version, ':writeId': writeId };
    const set = ['#writeId = :writeId'];
    // The stored version is `read.version` or nothing is written, and that version has read's sweep time.
    if (next.sweepAtMs !== read.sweepAtMs) {
      names['#sweepAt'] = 'sweepAt';
      values[':sweepAt'] = next.sweepAtMs;
      set.push('#sweepAt = :sweepAt');
    }
    const remove: string[] = [];
    for (const field of MUTABLE) {
      names[`#${field}`] = field;
      const value = next[field];
      if (value === undefined) remove.push(`#${field}`);
      else {
        set.push(`#${field} = :${field}`);
        values[`:${field}`] = value;
      }
    }
    try {
      const out = await this.dynamo.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { deviceId: next.deviceId, sk: sortKey(next.sequenceNumber) },
          UpdateExpression: `SET ${set.join(', ')}${remove.length ? ` REMOVE ${remove.join(', ')}` : ''}`,
          ConditionExpression: '#version = :expected',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return out.Attributes ? toRecord(out.Attributes) : undefined;
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      const stored = await this.getItem(next.deviceId, next.sequenceNumber);
      return stored?.writeId === writeId ? toRecord(stored) : undefined;
    }
  }

  async remove(deviceId: string, sequenceNumber: number, expectedVersion?: number): Promise<void> {
    try {
      await this.dynamo.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { deviceId, sk: sortKey(sequenceNumber) },
          ...(expectedVersion === undefined
            ? {}
            : {
                ConditionExpression: '#version = :expected',
                ExpressionAttributeNames: { '#version': 'version' },
                ExpressionAttributeValues: { ':expected': expectedVersion },
              }),
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }

  async removeIfVersion(deviceId: string, sequenceNumber: number, expectedVersion: number): Promise<boolean> {
    try {
      await this.dynamo.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { deviceId, sk: sortKey(sequenceNumber) },
          ConditionExpression: '#version = :expected',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':expected': expectedVersion },
        }),
      );
      return true;
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      // On the first attempt the condition is the truth: another writer changed or deleted it.
      // After a retry, a missing item is (all but certainly) our first attempt's delete, whose
      // response was lost; an item still there failed the condition for real.
      if (attemptsOf(err) <= 1) return false;
      return (await this.getItem(deviceId, sequenceNumber)) === undefined;
    }
  }

  async dropDevice(deviceId: string): Promise<void> {
    await this.dynamo.send(new DeleteCommand({ TableName: this.table, Key: { deviceId, sk: META } }));
  }

  async *due(nowMs: number): AsyncIterable<{ deviceId: string; sequenceNumber: number }> {
    for (let shard = 0; shard < SWEEP_SHARDS; shard++) {
      let startKey: Record<string, unknown> | undefined;
      do {
        // The index is sparse and sorted by due time: this reads only what is due (O(work)).
        const out = await this.dynamo.send(
          new QueryCommand({
            TableName: this.table,
            IndexName: 'sweep',
            KeyConditionExpression: 'sweepShard = :shard AND sweepAt <= :now',
            ExpressionAttributeValues: { ':shard': `s${shard}`, ':now': nowMs },
            Limit: 100,
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        );
        for (const item of out.Items ?? []) {
          const sk = String(item.sk);
          if (sk.startsWith(PREFIX)) yield { deviceId: String(item.deviceId), sequenceNumber: Number(sk.slice(PREFIX.length)) };
        }
        startKey = out.LastEvaluatedKey;
      } while (startKey);
    }
  }
}
