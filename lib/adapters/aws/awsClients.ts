/**
 * AWS clients, built once per cold start by each handler module and passed to adapters.
 * Endpoints come from the SDK's standard settings (AWS_ENDPOINT_URL_DYNAMODB, ..._KINESIS,
 * ..._SQS), which is how the local stack points them at the emulators.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Agent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { traced } from '../../tracing';

export interface AwsClients {
  dynamo: DynamoDBDocumentClient;
  kinesis: KinesisClient;
  sqs: SQSClient;
}

function httpHandler(): NodeHttpHandler {
  // Keep-alive sockets: a fresh TLS/TCP handshake per call dominates latency otherwise.
  return new NodeHttpHandler({
    httpAgent: new Agent({ keepAlive: true, maxSockets: 64 }),
    httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: 64 }),
    // A hung call with the SDK's 3 attempts still outlasts a function: the handlers' deadline
    // (lib/http/middleware.ts) answers 503 first. Shorter request timeouts were tried and turned
    // slow-but-healthy calls on a loaded machine into retries (the ledger run's commands stalled).
    connectionTimeout: 3000,
    requestTimeout: 10_000,
  });
}

export function createAwsClients(): AwsClients {
  // X-Ray subsegments per call when tracing is on (a no-op otherwise).
  const dynamo = DynamoDBDocumentClient.from(traced(new DynamoDBClient({ requestHandler: httpHandler(), maxAttempts: 3 })), {
    marshallOptions: { removeUndefinedValues: true },
  });
  // The Kinesis client defaults to HTTP/2, which kinesalite rejects; HTTP/1.1 works on both.
  const kinesis = traced(new KinesisClient({ requestHandler: httpHandler(), maxAttempts: 3 }));
  // By default the SDK sends a call with a QueueUrl to that URL's host, ignoring the configured
  // endpoint (AWS_ENDPOINT_URL_SQS), so locally such calls bypassed the fault proxy. Queues are
  // in the hub's own region (see routingEndpointNames), so the regional endpoint is right in AWS.
  const sqs = traced(new SQSClient({ requestHandler: httpHandler(), maxAttempts: 3, useQueueUrlAsEndpoint: false }));
  return { dynamo, kinesis, sqs };
}
