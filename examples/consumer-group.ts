/**
 * A backend reading the built-in endpoint as the consumer group "telemetry-printer": run it once
 * or several times, each instance reads its share of the shards and resumes after the group's
 * last checkpoint. Against `npm start`:
 *
 *   npx esbuild examples/consumer-group.ts --bundle --platform=node --outfile=dist/example-consumer.js
 *   AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local \
 *   AWS_ENDPOINT_URL_KINESIS=http://127.0.0.1:4567 AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:8000 \
 *   node dist/example-consumer.js
 *
 * In AWS: DEVHUB_EVENTS_STREAM=devhub-prod-events DEVHUB_CHECKPOINTS_TABLE=devhub-prod-checkpoints,
 * credentials of a role with the stack's ConsumerGroupPolicyArn attached.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { createConsumer } from '../consumer';

const streamName = process.env.DEVHUB_EVENTS_STREAM ?? 'devhub-local-events';
const tableName = process.env.DEVHUB_CHECKPOINTS_TABLE ?? 'devhub-local-checkpoints';
const group = process.env.GROUP ?? 'telemetry-printer';

// HTTP/1.1: kinesalite (the local hub) rejects the Kinesis client's default HTTP/2; fine in AWS too.
const kinesis = new KinesisClient({ requestHandler: new NodeHttpHandler() });
const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({ requestHandler: new NodeHttpHandler() }));
const perDevice = new Map<string, number>();

const consumer = createConsumer({
  group,
  streamName,
  tableName,
  kinesis,
  dynamo,
  from: { type: 'latest' }, // where the group starts the first time it runs
  handler: async (batch) => {
    for (const { value: envelope, shardId } of batch.records) {
      if (envelope.messageSource !== 'Telemetry') continue;
      const count = (perDevice.get(envelope.deviceId) ?? 0) + 1;
      perDevice.set(envelope.deviceId, count);
      const body = Buffer.from(envelope.body, 'base64').toString('utf8');
      console.log(`${shardId} ${envelope.deviceId} #${count} ${JSON.stringify(envelope.properties)} ${body}`);
    }
    // Returning checkpoints the batch; throwing would deliver it again after a backoff.
  },
  onEvent: (e) => {
    if (e.type === 'lease-taken' || e.type === 'lease-released' || e.type === 'lease-lost') console.error(`${e.type} ${e.shardId}`);
    if (e.type === 'handler-error' || e.type === 'error') console.error(`${e.type}: ${e.error.message}`);
  },
});

async function main(): Promise<void> {
  await consumer.start();
  console.error(`reading ${streamName} as group ${group} (instance ${consumer.instanceId}); Ctrl-C to stop`);
  const stop = () =>
    void consumer.stop().then(() => {
      console.error('stopped: batches checkpointed, leases released');
      kinesis.destroy();
      dynamo.destroy();
    });
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
