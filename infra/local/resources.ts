/**
 * Creates the tables, streams and queues that serverless.yml deploys, in the local emulators,
 * from the resolved `serverless print` output: names and key schemas are defined only once.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  ResourceInUseException as StreamInUse,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import { CreateQueueCommand, type SQSClient } from '@aws-sdk/client-sqs';

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
}

export interface CreatedResources {
  tables: string[];
  streams: string[];
  queues: string[];
}

export async function createLocalResources(
  resources: Record<string, CfnResource>,
  clients: { dynamo: DynamoDBClient; kinesis: KinesisClient; sqs: SQSClient },
  /** `only`: just one emulator's resources (after that emulator restarted). */
  opts: { localShardCount?: number; only?: 'dynamodb' | 'kinesis' | 'sqs' } = {},
): Promise<CreatedResources> {
  const created: CreatedResources = { tables: [], streams: [], queues: [] };
  const wanted = (service: 'dynamodb' | 'kinesis' | 'sqs') => opts.only === undefined || opts.only === service;
  for (const [logicalId, resource] of Object.entries(resources)) {
    const props = resource.Properties ?? {};
    if (resource.Type === 'AWS::DynamoDB::Table' && wanted('dynamodb')) {
      created.tables.push(await ensureTable(clients.dynamo, props, logicalId));
    } else if (resource.Type === 'AWS::Kinesis::Stream' && wanted('kinesis')) {
      created.streams.push(await ensureStream(clients.kinesis, props, logicalId, opts.localShardCount));
    } else if (resource.Type === 'AWS::SQS::Queue' && wanted('sqs')) {
      created.queues.push(await ensureQueue(clients.sqs, props, logicalId));
    }
  }
  return created;
}

function stringProp(props: Record<string, unknown>, name: string, logicalId: string): string {
  const value = props[name];
  if (typeof value !== 'string') throw new Error(`${logicalId}.${name} must be a plain string to create it locally`);
  return value;
}

async function ensureTable(dynamo: DynamoDBClient, props: Record<string, unknown>, logicalId: string): Promise<string> {
  const TableName = stringProp(props, 'TableName', logicalId);
  const input: CreateTableCommandInput = {
    TableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: props.AttributeDefinitions as CreateTableCommandInput['AttributeDefinitions'],
    KeySchema: props.KeySchema as CreateTableCommandInput['KeySchema'],
    ...(props.GlobalSecondaryIndexes
      ? { GlobalSecondaryIndexes: props.GlobalSecondaryIndexes as CreateTableCommandInput['GlobalSecondaryIndexes'] }
      : {}),
  };
  try {
    await dynamo.send(new CreateTableCommand(input));
  } catch (err) {
    if (!(err instanceof ResourceInUseException)) throw err;
  }
  await waitUntil(
    async () => (await dynamo.send(new DescribeTableCommand({ TableName }))).Table?.TableStatus === 'ACTIVE',
    `table ${TableName}`,
  );
  const ttl = props.TimeToLiveSpecification as { AttributeName?: string; Enabled?: boolean } | undefined;
  if (ttl?.AttributeName) {
    // Stored but never enforced by dynalite; the hub enforces expiry in its reads anyway.
    await dynamo
      .send(
        new UpdateTimeToLiveCommand({
          TableName,
          TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: ttl.Enabled ?? true },
        }),
      )
      .catch(() => undefined);
  }
  return TableName;
}

async function ensureStream(
  kinesis: KinesisClient,
  props: Record<string, unknown>,
  logicalId: string,
  localShardCount?: number,
): Promise<string> {
  const StreamName = stringProp(props, 'Name', logicalId);
  const ShardCount = localShardCount ?? Number(props.ShardCount ?? 1);
  try {
    await kinesis.send(new CreateStreamCommand({ StreamName, ShardCount }));
  } catch (err) {
    if (!(err instanceof StreamInUse)) throw err;
  }
  await waitUntil(
    async () => (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName }))).StreamDescriptionSummary?.StreamStatus === 'ACTIVE',
    `stream ${StreamName}`,
  );
  return StreamName;
}

async function ensureQueue(sqs: SQSClient, props: Record<string, unknown>, logicalId: string): Promise<string> {
  const QueueName = stringProp(props, 'QueueName', logicalId);
  const attributes: Record<string, string> = {};
  if (props.FifoQueue) attributes.FifoQueue = 'true';
  if (props.ContentBasedDeduplication) attributes.ContentBasedDeduplication = 'true';
  if (props.MessageRetentionPeriod !== undefined) attributes.MessageRetentionPeriod = String(props.MessageRetentionPeriod);
  if (props.VisibilityTimeout !== undefined) attributes.VisibilityTimeout = String(props.VisibilityTimeout);
  await sqs.send(new CreateQueueCommand({ QueueName, Attributes: attributes }));
  return QueueName;
}

async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not become active within ${timeoutMs} ms`);
}
