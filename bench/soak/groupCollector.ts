/**
 * The consumer-group end of the ledger: two instances of one group (consumer/) read the
 * built-in stream straight from the emulators, sharing its shards through the checkpoints
 * table, through every fault of the run (kinesalite and dynalite restarts included). Every
 * acknowledged message must reach the group; per-device order of first deliveries holds.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { createConsumer, type GroupConsumer } from '../../consumer';
import type { Envelope } from '../../lib/envelope';

export class GroupCollector {
  private readonly raw: DynamoDBClient;
  private readonly instances: GroupConsumer<Envelope>[];
  records = 0;
  errors = 0;

  constructor(
    kinesis: KinesisClient,
    dynamoEndpoint: string,
    o: { streamName: string; tableName: string; group: string },
    onEnvelope: (e: Envelope) => void,
  ) {
    this.raw = new DynamoDBClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      endpoint: dynamoEndpoint,
      requestHandler: new NodeHttpHandler(),
      maxAttempts: 2,
    });
    const dynamo = DynamoDBDocumentClient.from(this.raw, { marshallOptions: { removeUndefinedValues: true } });
    this.instances = ['a', 'b'].map((name) =>
      createConsumer({
        group: o.group,
        instanceId: `${o.group}-${name}`,
        kinesis,
        dynamo,
        streamName: o.streamName,
        tableName: o.tableName,
        from: { type: 'trim-horizon' },
        leaseMs: 3000,
        idleMs: 200,
        handler: async (batch) => {
          // One instance's batches are delivered in shard order; the ledger sees them in that order.
          for (const r of batch.records) onEnvelope(r.value);
          this.records += batch.records.length;
        },
        onEvent: (e) => {
          if (e.type === 'error') this.errors++;
        },
      }),
    );
  }

  async start(): Promise<void> {
    for (const i of this.instances) await i.start();
  }

  /** Deliveries are pushed by the instances; nothing to pull. */
  async poll(): Promise<number> {
    return 0;
  }

  async stop(): Promise<void> {
    await Promise.all(this.instances.map((i) => i.stop()));
    this.raw.destroy();
  }
}
