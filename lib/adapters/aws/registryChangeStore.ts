/**
 * The registry's change feed (lib/registry/changeFeed.ts) as one item of the devices table, under
 * a key no device id can be (`#` is outside IoT Hub's device id characters). Readers get it
 * strongly consistently (≤ 4 KB: one read unit); writers append with an optimistic version check,
 * and concurrent records on one instance share one write.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { appendChanges, EMPTY_CHANGES, type RegistryChanges } from '../../registry/changeFeed';

export const CHANGE_FEED_KEY = '#registry-changes';

/** Attempts per write when other writers keep winning the version check. */
const MAX_ATTEMPTS = 10;

export class RegistryChangeStore {
  private pending: string[] = [];
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly dynamo: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async read(): Promise<RegistryChanges> {
    const out = await this.dynamo.send(new GetCommand({ TableName: this.table, Key: { deviceId: CHANGE_FEED_KEY }, ConsistentRead: true }));
    const item = out.Item as (RegistryChanges & { deviceId: string }) | undefined;
    return item ? { version: item.version, floor: item.floor, changes: item.changes } : EMPTY_CHANGES;
  }

  /** Records that these devices' credentials, status or existence changed; resolves once the feed names them. */
  record(deviceIds: readonly string[]): Promise<void> {
    this.pending.push(...deviceIds);
    // One write at a time per instance; each takes every id waiting, so a burst costs few writes.
    const run = this.tail.catch(() => undefined).then(() => this.flushPending());
    this.tail = run;
    return run;
  }

  private async flushPending(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return; // an earlier write took our ids
    try {
      await this.write(batch);
    } catch (err) {
      // Callers whose ids rode along retry them in their own turn.
      this.pending.unshift(...batch);
      throw err;
    }
  }

  private async write(deviceIds: readonly string[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.read();
      const next = appendChanges(current, deviceIds);
      try {
        await this.dynamo.send(
          new PutCommand({
            TableName: this.table,
            Item: { deviceId: CHANGE_FEED_KEY, ...next },
            ConditionExpression: 'attribute_not_exists(deviceId) OR version = :v',
            ExpressionAttributeValues: { ':v': current.version },
          }),
        );
        return;
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException) || attempt >= MAX_ATTEMPTS) throw err;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
      }
    }
  }
}
