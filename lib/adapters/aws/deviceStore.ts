/**
 * The device registry in DynamoDB (one item per device, key `deviceId`). An item may carry
 * `keyLineage` (lib/registry/derivedKeys.ts: derived keys were issued for this id), which the API
 * never shows; deleting such a device leaves a tombstone `{deviceId, deletedAt, keyLineage}` that
 * every read treats as no device.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BadRequestError, ConflictError, NotFoundError, PreconditionFailedError } from '../../errors';
import { isDeviceId, type Device } from '../../registry/device';
import type { KeyLineage } from '../../registry/derivedKeys';
import type { DevicePage, DeviceRecords, StoredDevice } from '../../registry/registryService';

type Item = Device & { keyLineage?: KeyLineage; deletedAt?: string };

/** The stored record: the device without internal attributes (none for a tombstone), and its lineage. */
function fromItem(item: Record<string, unknown> | undefined): StoredDevice {
  if (!item) return {};
  const { keyLineage, deletedAt, ...device } = item as unknown as Item;
  return {
    ...(deletedAt === undefined ? { device: device as Device } : {}),
    ...(keyLineage ? { lineage: { version: Number(keyLineage.version) } } : {}),
  };
}

export class DeviceStore implements DeviceRecords {
  constructor(
    private readonly dynamo: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** Strongly consistent unless asked otherwise (authentication's cache reads eventually consistently: half the price). */
  async get(deviceId: string, consistent = true): Promise<Device | undefined> {
    // No device has such an id, and DynamoDB answers a key over 2 KB with an error (a 500).
    if (!isDeviceId(deviceId)) return undefined;
    const out = await this.dynamo.send(new GetCommand({ TableName: this.table, Key: { deviceId }, ConsistentRead: consistent }));
    return fromItem(out.Item).device;
  }

  async stored(deviceId: string): Promise<StoredDevice> {
    if (!isDeviceId(deviceId)) return {};
    const out = await this.dynamo.send(new GetCommand({ TableName: this.table, Key: { deviceId }, ConsistentRead: true }));
    return fromItem(out.Item);
  }

  async require(deviceId: string): Promise<Device> {
    const device = await this.get(deviceId);
    if (!device) throw new NotFoundError(`Device ${deviceId} not found`);
    return device;
  }

  async create(device: Device, lineage?: KeyLineage, over?: KeyLineage): Promise<void> {
    try {
      await this.dynamo.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...device, ...(lineage ? { keyLineage: lineage } : {}) },
          // Over a tombstone only if it is still the one read (a concurrent re-create takes its version).
          ...(over
            ? {
                ConditionExpression: 'attribute_exists(deletedAt) AND keyLineage.version = :v',
                ExpressionAttributeValues: { ':v': over.version },
              }
            : { ConditionExpression: 'attribute_not_exists(deviceId)' }),
        }),
      );
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) throw new ConflictError(`Device ${device.deviceId} already exists`);
      throw err;
    }
  }

  /** Replaces a device only if its stored etag is still `expectedEtag`. */
  async replace(device: Device, expectedEtag: string, lineage?: KeyLineage): Promise<void> {
    try {
      await this.dynamo.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...device, ...(lineage ? { keyLineage: lineage } : {}) },
          ConditionExpression: 'attribute_exists(deviceId) AND etag = :etag',
          ExpressionAttributeValues: { ':etag': expectedEtag },
        }),
      );
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) {
        throw new PreconditionFailedError(`Device ${device.deviceId} was changed or deleted meanwhile (etag mismatch)`);
      }
      throw err;
    }
  }

  /** Deletes a device; with `ifMatch` only if the etag matches. Returns the deleted record. */
  async delete(deviceId: string, ifMatch?: string, tombstone?: KeyLineage): Promise<Device> {
    // A tombstone has no etag, so "exists with an etag" is "a device exists".
    const condition = {
      ConditionExpression: ifMatch ? 'attribute_exists(etag) AND etag = :etag' : 'attribute_exists(etag)',
      ...(ifMatch ? { ExpressionAttributeValues: { ':etag': ifMatch } } : {}),
    };
    try {
      const out = tombstone
        ? await this.dynamo.send(
            new PutCommand({
              TableName: this.table,
              Item: { deviceId, deletedAt: new Date().toISOString(), keyLineage: tombstone },
              ReturnValues: 'ALL_OLD',
              ...condition,
            }),
          )
        : await this.dynamo.send(new DeleteCommand({ TableName: this.table, Key: { deviceId }, ReturnValues: 'ALL_OLD', ...condition }));
      const deleted = fromItem(out.Attributes).device;
      if (!deleted) throw new Error(`device ${deviceId}: the delete found no device`);
      return deleted;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) {
        if (ifMatch && (await this.get(deviceId))) throw new PreconditionFailedError(`Device ${deviceId} etag does not match`);
        throw new NotFoundError(`Device ${deviceId} not found`);
      }
      throw err;
    }
  }

  /** One page of the registry; the continuation token is opaque to callers. */
  async list(limit: number, continuationToken?: string): Promise<DevicePage> {
    let startKey: Record<string, unknown> | undefined;
    if (continuationToken) {
      // base64url decoding never throws; a token that is not a device id we issued is refused.
      const deviceId = Buffer.from(continuationToken, 'base64url').toString('utf8');
      if (!isDeviceId(deviceId)) throw new BadRequestError('Invalid continuation token');
      startKey = { deviceId };
    }
    // The table also holds the registry's change feed (./registryChangeStore.ts) and the device-key
    // seed (./deviceKeySeed.ts) under keys no device can have, and tombstones: they are skipped, and
    // the scan goes on until the page holds `limit` devices or the table ends (`top=1` is one device).
    const devices: Device[] = [];
    do {
      const out = await this.dynamo.send(
        new ScanCommand({ TableName: this.table, Limit: limit - devices.length, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }),
      );
      for (const item of out.Items ?? []) {
        const { device } = fromItem(item);
        if (device && isDeviceId(device.deviceId)) devices.push(device);
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey && devices.length < limit);
    // A full page ends on a device (its last `limit - n` items were all devices), so the token is a device id.
    const last = startKey?.deviceId;
    return {
      devices,
      ...(typeof last === 'string' ? { continuationToken: Buffer.from(last, 'utf8').toString('base64url') } : {}),
    };
  }
}
