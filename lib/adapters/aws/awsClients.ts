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

/**
 * The SDK's `cacheMiddleware`: a client resolves each command class's middleware stack once
 * instead of on every call (the stack is copied and sorted per call otherwise). Measured on the
 * device API's one PutRecords per message: ~15% of the SDK's CPU per call. Safe only where nothing
 * adds middleware after the first call (the X-Ray tracer adds its own when the client is wrapped,
 * before any call). Not on the DynamoDB client: DynamoDBDocumentClient's commands wrap a
 * per-call inner command, so lib-dynamodb refuses the option (it throws at construction).
 */
const CACHED_MIDDLEWARE = { cacheMiddleware: true } as const;

/** The name the SDK registers its user-agent middleware under (@aws-sdk/middleware-user-agent). */
export const USER_AGENT_MIDDLEWARE = 'getUserAgentMiddleware';

/**
 * The SDK's user-agent middleware rebuilds the same `user-agent` and `x-amz-user-agent` headers on
 * every call (each section escaped through regexes, the OS release read again, feature flags
 * re-encoded): measured ~6% of a PutRecords call's CPU and ~0.05-0.08 ms of the device API's
 * ~1.5 ms per 1 KB send (bench/functionSizes.ts conditions). The headers are SDK usage telemetry
 * for AWS; no service answers differently without them, and retries, signing (SigV4 never signs
 * `user-agent`), endpoint resolution, X-Ray propagation (recursion detection) and error handling
 * are separate middlewares that stay. Removed before any call, so a cached stack never had it.
 */
function withoutUserAgent<T extends { middlewareStack: { remove(name: string): boolean } }>(client: T): T {
  client.middlewareStack.remove(USER_AGENT_MIDDLEWARE);
  return client;
}

export function createAwsClients(): AwsClients {
  // X-Ray subsegments per call when tracing is on (a no-op otherwise).
  const dynamo = DynamoDBDocumentClient.from(
    traced(withoutUserAgent(new DynamoDBClient({ requestHandler: httpHandler(), maxAttempts: 3 }))),
    {
      marshallOptions: { removeUndefinedValues: true },
    },
  );
  // The Kinesis client defaults to HTTP/2, which kinesalite rejects; HTTP/1.1 works on both.
  const kinesis = traced(withoutUserAgent(new KinesisClient({ requestHandler: httpHandler(), maxAttempts: 3, ...CACHED_MIDDLEWARE })));
  // By default the SDK sends a call with a QueueUrl to that URL's host, ignoring the configured
  // endpoint (AWS_ENDPOINT_URL_SQS), so locally such calls bypassed the fault proxy. Queues are
  // in the hub's own region (see routingEndpointNames), so the regional endpoint is right in AWS.
  const sqs = traced(
    withoutUserAgent(new SQSClient({ requestHandler: httpHandler(), maxAttempts: 3, useQueueUrlAsEndpoint: false, ...CACHED_MIDDLEWARE })),
  );
  return { dynamo, kinesis, sqs };
}
