/**
 * Tables and streams a test creates for itself, returned only once they are ACTIVE. DynamoDB and
 * Kinesis answer ResourceNotFoundException to a data call on a table or stream still CREATING,
 * and so do dynalite and kinesalite: with `--createTableMs 0` the switch to ACTIVE is still a
 * timer plus a store write, which under load landed after the test's first UpdateItem (a
 * fresh-clone CI run of c2d.store.test.ts). The SDK's own waiters poll Describe* until ACTIVE.
 */
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { CreateStreamCommand, type KinesisClient, waitUntilStreamExists } from '@aws-sdk/client-kinesis';

// The first Describe is immediate; later ones back off from 50 ms to 500 ms.
const POLL = { minDelay: 0.05, maxDelay: 0.5, maxWaitTime: 60 };

export async function createActiveTable(client: DynamoDBClient, input: CreateTableCommandInput): Promise<void> {
  await client.send(new CreateTableCommand(input));
  await waitUntilTableExists({ client, ...POLL }, { TableName: input.TableName });
}

export async function createActiveStream(client: KinesisClient, StreamName: string, ShardCount: number): Promise<void> {
  await client.send(new CreateStreamCommand({ StreamName, ShardCount }));
  await waitUntilStreamExists({ client, ...POLL }, { StreamName });
}

/** A private, ACTIVE copy of a hub table (same keys and indexes, no items), so a test's records never meet the hub's own sweepers. */
export async function createActiveCopyOfTable(client: DynamoDBClient, from: string, to: string): Promise<void> {
  const t = (await client.send(new DescribeTableCommand({ TableName: from }))).Table;
  await createActiveTable(client, {
    TableName: to,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: t?.AttributeDefinitions,
    KeySchema: t?.KeySchema,
    GlobalSecondaryIndexes: t?.GlobalSecondaryIndexes?.map((i) => ({
      IndexName: i.IndexName,
      KeySchema: i.KeySchema,
      Projection: i.Projection,
    })),
  });
}
