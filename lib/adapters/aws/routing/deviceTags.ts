/** Device registry tags for `$twin.tags` conditions and enrichments, read in batches and cached briefly. */
import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ServiceUnavailableError } from '../../../errors';
import { isDeviceId } from '../../../registry/device';
import { TtlCache } from '../../../ttlCache';

type Tags = Record<string, unknown>;

export class DeviceTags {
  private readonly cache: TtlCache<Tags | null>;

  constructor(
    private readonly dynamo: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly ttlMs: number,
  ) {
    this.cache = new TtlCache(20_000);
  }

  /** Cached tags (undefined: unknown device or not loaded). */
  lookup = (deviceId: string): Tags | undefined => this.cache.get(deviceId) ?? undefined;

  /**
   * Makes sure every listed device's tags are cached (a missing device caches as none). Throws
   * ServiceUnavailableError when DynamoDB leaves keys unprocessed through every retry.
   */
  async load(deviceIds: Iterable<string>): Promise<void> {
    // An id no device can have (a route test's message may carry any) is not a DynamoDB key: skip it.
    const missing = [...deviceIds].filter((id) => isDeviceId(id) && this.cache.get(id) === undefined);
    for (let i = 0; i < missing.length; i += 100) {
      let keys: Record<string, unknown>[] = missing.slice(i, i + 100).map((deviceId) => ({ deviceId }));
      const found = new Map<string, Tags>();
      for (let round = 0; keys.length > 0 && round < 5; round++) {
        const out = await this.dynamo.send(
          new BatchGetCommand({ RequestItems: { [this.table]: { Keys: keys, ProjectionExpression: 'deviceId, tags, deletedAt' } } }),
        );
        for (const item of out.Responses?.[this.table] ?? []) {
          // A tombstone (lib/adapters/aws/deviceStore.ts) is no device.
          if (typeof item.deviceId === 'string' && item.deletedAt === undefined)
            found.set(item.deviceId, (item.tags as Tags | undefined) ?? {});
        }
        keys = (out.UnprocessedKeys?.[this.table]?.Keys ?? []) as Record<string, unknown>[];
        if (keys.length > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** round));
      }
      if (keys.length > 0) {
        // Still unprocessed after the retries: these devices' tags are unknown, not absent.
        // Routing them as "no tags" would silently skip tag routes; failing makes the batch retry.
        throw new ServiceUnavailableError(`Device tags not readable now (${keys.length} keys unprocessed after retries)`);
      }
      for (const id of missing.slice(i, i + 100)) this.cache.set(id, found.get(id) ?? null, Math.max(this.ttlMs, 1000));
    }
  }
}
