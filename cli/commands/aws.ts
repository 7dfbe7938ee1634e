/** AWS clients for the commands that talk to the stream and the tables directly. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { HubContext } from '../context';

export interface StreamClients {
  kinesis: KinesisClient;
  dynamo: DynamoDBDocumentClient;
  destroy(): void;
}

export function streamClients(ctx: HubContext): StreamClients {
  ctx.applyAwsEnvironment();
  // HTTP/1.1: kinesalite rejects the Kinesis client's default HTTP/2.
  const kinesis = new KinesisClient({ requestHandler: new NodeHttpHandler() });
  const raw = new DynamoDBClient({ requestHandler: new NodeHttpHandler() });
  const dynamo = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  return {
    kinesis,
    dynamo,
    destroy: () => {
      kinesis.destroy();
      raw.destroy();
    },
  };
}
