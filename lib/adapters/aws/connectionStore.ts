/**
 * WebSocket connections in DynamoDB. Two items per live connection in one table:
 *   deviceId = <device id>            → the device's current connection (one per device)
 *   deviceId = "connection#<id>"      → which device a connection belongs to
 * ('#' is outside IoT Hub's device id alphabet, so the key spaces cannot collide), plus a
 * per-device counter item "sequence#<device id>" for connection state event numbers and a
 * per-device "activity#<device id>" item (connectionStateUpdatedTime, lastActivityTime) that
 * outlives connections.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CommandSlots, Connection, SocketConnections } from '../../ws/ports';

const CONNECTION_LIFETIME_SECONDS = 2 * 3600 + 600;

export class ConnectionStore implements SocketConnections, CommandSlots {
  constructor(
    private readonly dynamo: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** Records a connection as the device's current one; returns the one it replaced, if any. */
  async register(conn: Omit<Connection, 'ttl'>, now: Date): Promise<Connection | undefined> {
    const ttl = Math.floor(now.getTime() / 1000) + CONNECTION_LIFETIME_SECONDS;
    const item: Connection = { ...conn, ttl };
    await this.dynamo.send(
      new PutCommand({ TableName: this.table, Item: { ...item, deviceId: `connection#${conn.connectionId}`, device: conn.deviceId } }),
    );
    const out = await this.dynamo.send(new PutCommand({ TableName: this.table, Item: item, ReturnValues: 'ALL_OLD' }));
    const previous = out.Attributes as Connection | undefined;
    return previous && previous.connectionId !== conn.connectionId ? previous : undefined;
  }

  async current(deviceId: string): Promise<Connection | undefined> {
    const out = await this.dynamo.send(new GetCommand({ TableName: this.table, Key: { deviceId } }));
    return out.Item as Connection | undefined;
  }

  /** Every live connection's record (the connection sweep; one Scan page at a time). */
  async *all(): AsyncGenerator<Connection> {
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.dynamo.send(
        new ScanCommand({
          TableName: this.table,
          FilterExpression: 'begins_with(deviceId, :p)',
          ExpressionAttributeValues: { ':p': 'connection#' },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of out.Items ?? []) {
        const { device, ...rest } = item as Connection & { device: string };
        yield { ...rest, deviceId: device };
      }
      start = out.LastEvaluatedKey;
    } while (start);
  }

  /** The connection's record (looked up by connection id). */
  async byConnectionId(connectionId: string): Promise<Connection | undefined> {
    const out = await this.dynamo.send(new GetCommand({ TableName: this.table, Key: { deviceId: `connection#${connectionId}` } }));
    if (!out.Item) return undefined;
    const { device, ...rest } = out.Item as Connection & { device: string };
    return { ...rest, deviceId: device };
  }

  /** Forgets a connection; the device item only if it still names this connection. */
  async remove(conn: Pick<Connection, 'deviceId' | 'connectionId'>): Promise<boolean> {
    await this.dynamo.send(new DeleteCommand({ TableName: this.table, Key: { deviceId: `connection#${conn.connectionId}` } }));
    try {
      await this.dynamo.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { deviceId: conn.deviceId },
          ConditionExpression: 'connectionId = :c',
          ExpressionAttributeValues: { ':c': conn.connectionId },
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false; // already replaced
      throw err;
    }
  }

  /**
   * Commands pushed to a connection and not yet settled: lock token (or a reservation) →
   * lock expiry. Changed only by version-conditioned writes, so concurrent pushers (the send
   * path and the settle path) can never exceed the in-flight limit together.
   */
  async slots(deviceId: string): Promise<{ connectionId: string; slots: Record<string, number>; version: number } | undefined> {
    const out = await this.dynamo.send(new GetCommand({ TableName: this.table, Key: { deviceId }, ConsistentRead: true }));
    if (!out.Item) return undefined;
    const item = out.Item as Connection & { slots?: Record<string, number>; slotVersion?: number };
    return { connectionId: item.connectionId, slots: item.slots ?? {}, version: item.slotVersion ?? 0 };
  }

  /** Replaces the slots if nobody changed them since `version` and the connection is still current. */
  async replaceSlots(deviceId: string, connectionId: string, slots: Record<string, number>, version: number): Promise<boolean> {
    try {
      await this.dynamo.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { deviceId },
          UpdateExpression: 'SET slots = :s, slotVersion = :next',
          ConditionExpression: 'connectionId = :c AND (attribute_not_exists(slotVersion) OR slotVersion = :v)',
          ExpressionAttributeValues: { ':s': slots, ':next': version + 1, ':c': connectionId, ':v': version },
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  /** The next connection state sequence number for a device (atomic counter). */
  async nextSequence(deviceId: string): Promise<number> {
    const out = await this.dynamo.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { deviceId: `sequence#${deviceId}` },
        UpdateExpression: 'ADD #s :one',
        ExpressionAttributeNames: { '#s': 'sequence' },
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(out.Attributes?.sequence ?? 0);
  }

  /** Records a connect or disconnect (also an activity). */
  async markStateChange(deviceId: string, now: Date): Promise<void> {
    const t = now.toISOString();
    await this.dynamo.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { deviceId: `activity#${deviceId}` },
        UpdateExpression: 'SET connectionStateUpdatedTime = :t, lastActivityTime = :t',
        ExpressionAttributeValues: { ':t': t },
      }),
    );
  }

  /** Records that the device sent or received something. */
  async markActivity(deviceId: string, now: Date): Promise<void> {
    await this.dynamo.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { deviceId: `activity#${deviceId}` },
        UpdateExpression: 'SET lastActivityTime = :t',
        ExpressionAttributeValues: { ':t': now.toISOString() },
      }),
    );
  }

  /** Connected iff the device has a current connection; times from the activity item. */
  async deviceState(deviceId: string): Promise<{ connected: boolean; connectionStateUpdatedTime?: string; lastActivityTime?: string }> {
    const [current, activity] = await Promise.all([
      this.dynamo.send(new GetCommand({ TableName: this.table, Key: { deviceId }, ProjectionExpression: 'connectionId' })),
      this.dynamo.send(new GetCommand({ TableName: this.table, Key: { deviceId: `activity#${deviceId}` } })),
    ]);
    const a = activity.Item as { connectionStateUpdatedTime?: string; lastActivityTime?: string } | undefined;
    return {
      connected: current.Item !== undefined,
      ...(a?.connectionStateUpdatedTime ? { connectionStateUpdatedTime: a.connectionStateUpdatedTime } : {}),
      ...(a?.lastActivityTime ? { lastActivityTime: a.lastActivityTime } : {}),
    };
  }
}
