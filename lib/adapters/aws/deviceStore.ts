/** The device registry in DynamoDB (one item per device, key `deviceId`). */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BadRequestError, ConflictError, NotFoundError, PreconditionFailedError } from '../../errors';
import { isDeviceId, type Device } from '../../registry/device';
import type { DevicePage, DeviceRecords } from '../../registry/registryService';

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
    return out.Item as Device | undefined;
  }

  async require(deviceId: string): Promise<Device> {
    const device = await this.get(deviceId);
    if (!device) throw new NotFoundError(`Device ${deviceId} not found`);
    return device;
  }

  async create(device: Device): Promise<void> {
    try {
      await this.dynamo.send(
        new PutCommand({ TableName: this.table, Item: device, ConditionExpression: 'attribute_not_exists(deviceId)' }),
      );
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) throw new ConflictError(`Device ${device.deviceId} already exists`);
      throw err;
    }
  }

  /** Replaces a device only if its stored etag is still `expectedEtag`. */
  async replace(device: Device, expectedEtag: string): Promise<void> {
    try {
      await this.dynamo.send(
        new PutCommand({
          TableName: this.table,
          Item: device,
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
  async delete(deviceId: string, ifMatch?: string): Promise<Device> {
    try {
      const out = await this.dynamo.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { deviceId },
          ReturnValues: 'ALL_OLD',
          ConditionExpression: ifMatch ? 'attribute_exists(deviceId) AND etag = :etag' : 'attribute_exists(deviceId)',
          ...(ifMatch ? { ExpressionAttributeValues: { ':etag': ifMatch } } : {}),
        }),
      );
      return out.Attributes as Device;
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
    const out = await this.dynamo.send(
      new ScanCommand({ TableName: this.table, Limit: limit, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }),
    );
    const last = out.LastEvaluatedKey?.deviceId;
    return {
      // The table also holds the registry's change feed (./registryChangeStore.ts), under a key no device can have.
      devices: ((out.Items ?? []) as Device[]).filter((d) => isDeviceId(d.deviceId)),
      ...(typeof last === 'string' ? { continuationToken: Buffer.from(last, 'utf8').toString('base64url') } : {}),
    };
  }
}
