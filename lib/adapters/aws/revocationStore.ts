/**
 * The revocation set of derived-key devices (lib/registry/revocations.ts): one item per revoked
 * id in its own partition of the C2D table (`deviceId` = `#revoked-devices`, a key no device id
 * can be; `sk` = the device id), so one strongly consistent, paginated Query loads all of it.
 * The devices table has no sort key, and a sparse index would be read eventually consistently:
 * an instance could then load a set missing a revocation its feed read already counted as seen.
 * The items have no `ttl` and no `sweepShard`: the C2D table's expiry and sweep never see them.
 */
import { paginateQuery, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export const REVOCATIONS_PARTITION = '#revoked-devices';

export class RevocationStore {
  constructor(
    private readonly dynamo: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** Adds the id (idempotent: the first revocation time stays). */
  async revoke(deviceId: string): Promise<void> {
    await this.dynamo.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { deviceId: REVOCATIONS_PARTITION, sk: deviceId },
        UpdateExpression: 'SET revokedAt = if_not_exists(revokedAt, :now)',
        ExpressionAttributeValues: { ':now': new Date().toISOString() },
      }),
    );
  }

  /** Every revoked id, read strongly consistently, page by page. */
  async loadAll(): Promise<string[]> {
    const ids: string[] = [];
    const pages = paginateQuery(
      { client: this.dynamo },
      {
        TableName: this.table,
        KeyConditionExpression: 'deviceId = :p',
        ExpressionAttributeValues: { ':p': REVOCATIONS_PARTITION },
        ProjectionExpression: 'sk',
        ConsistentRead: true,
      },
    );
    for await (const page of pages) for (const item of page.Items ?? []) if (typeof item.sk === 'string') ids.push(item.sk);
    return ids;
  }
}
