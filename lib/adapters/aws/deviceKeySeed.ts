/**
 * The hub's device-key seed (lib/registry/derivedKeys.ts): one item of the devices table under a
 * key no device id can be (`#` is outside IoT Hub's device id characters), created once with
 * random bytes (by `devhub init`, the local hub's start, or the registry's first derived device)
 * and never changed. Nothing returns it: the registry lists only device ids, and no API reads it.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { generateSeed } from '../../registry/derivedKeys';

export const DEVICE_KEY_SEED_KEY = '#device-key-seed';

export class DeviceKeySeedStore {
  private known: string | undefined;

  constructor(
    private readonly dynamo: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** The seed, or undefined if none was created yet (strongly consistent; remembered once found). */
  async read(): Promise<string | undefined> {
    if (this.known !== undefined) return this.known;
    const out = await this.dynamo.send(
      new GetCommand({ TableName: this.table, Key: { deviceId: DEVICE_KEY_SEED_KEY }, ConsistentRead: true }),
    );
    const seed = out.Item?.seed;
    if (typeof seed === 'string') this.known = seed;
    return this.known;
  }

  /** The seed, created first if none exists; concurrent creators all get the one stored. */
  async ensure(): Promise<string> {
    const existing = await this.read();
    if (existing !== undefined) return existing;
    try {
      await this.dynamo.send(
        new PutCommand({
          TableName: this.table,
          Item: { deviceId: DEVICE_KEY_SEED_KEY, seed: generateSeed(), createdTime: new Date().toISOString() },
          ConditionExpression: 'attribute_not_exists(deviceId)',
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
    const stored = await this.read();
    if (stored === undefined) throw new Error('device-key seed vanished while being created');
    return stored;
  }
}
