/**
 * The hub's SQS calls go to the configured endpoint (AWS_ENDPOINT_URL_SQS) even when the queue
 * URL names another host: locally the fault proxy sits at the configured endpoint, and a call
 * that went around it was never subject to injected faults (found by the soak ledger).
 */
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAwsClients, USER_AGENT_MIDDLEWARE } from './awsClients';

describe('AWS clients', () => {
  let server: Server;
  const targets: string[] = [];
  const bodies: string[] = [];
  const headers: IncomingHttpHeaders[] = [];
  /** Targets the test server answers once with a 500 before answering normally. */
  const failOnce = new Set<string>();
  const answers: Record<string, unknown> = {
    'AmazonSQS.SendMessageBatch': {
      Successful: [{ Id: '0', MessageId: 'm', MD5OfMessageBody: createHash('md5').update('x').digest('hex') }],
      Failed: [],
    },
    'Kinesis_20131202.PutRecords': { FailedRecordCount: 0, Records: [{ SequenceNumber: '1', ShardId: 'shardId-000000000000' }] },
    'DynamoDB_20120810.GetItem': {},
  };
  beforeAll(async () => {
    server = createServer((req, res) => {
      const target = String(req.headers['x-amz-target']);
      targets.push(target);
      headers.push(req.headers);
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        bodies.push(body);
        if (failOnce.delete(target)) {
          res.writeHead(500, { 'content-type': 'application/x-amz-json-1.1' });
          res.end(JSON.stringify({ __type: 'InternalFailure', message: 'injected' }));
          return;
        }
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify(answers[target] ?? {}));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const withClients = async (use: (clients: ReturnType<typeof createAwsClients>) => Promise<void>) => {
    const saved = { ...process.env };
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_SQS: endpoint,
      AWS_ENDPOINT_URL_KINESIS: endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    });
    const clients = createAwsClients();
    try {
      await use(clients);
    } finally {
      clients.sqs.destroy();
      clients.kinesis.destroy();
      clients.dynamo.destroy();
      process.env = saved;
    }
  };
  beforeEach(() => {
    targets.length = 0;
    bodies.length = 0;
    headers.length = 0;
    failOnce.clear();
  });

  it('sends SQS calls with a queue URL to the configured endpoint, not to the URL host', async () => {
    await withClients(async ({ sqs }) => {
      // Port 9 (discard): nothing listens there, so a call sent to the URL host would fail.
      await sqs.send(
        new SendMessageBatchCommand({ QueueUrl: 'http://127.0.0.1:9/000000000000/q', Entries: [{ Id: '0', MessageBody: 'x' }] }),
      );
      expect(targets).toEqual(['AmazonSQS.SendMessageBatch']);
    });
  });

  // Kinesis and SQS resolve a command class's middleware once (cacheMiddleware); each call must
  // still send its own input. The DynamoDB document client must not cache: its commands are wrappers.
  it('sends each call its own input when middleware stacks are cached', async () => {
    await withClients(async ({ kinesis, sqs, dynamo }) => {
      for (const stream of ['s-1', 's-2'])
        await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: [{ PartitionKey: stream, Data: Buffer.from(stream) }] }));
      for (const queue of ['q-1', 'q-2'])
        await sqs.send(
          new SendMessageBatchCommand({ QueueUrl: `http://127.0.0.1:9/000000000000/${queue}`, Entries: [{ Id: '0', MessageBody: 'x' }] }),
        );
      for (const id of ['d-1', 'd-2']) await dynamo.send(new GetCommand({ TableName: 'devices', Key: { deviceId: id } }));
      const sent = bodies.map((b) => JSON.parse(b) as { StreamName?: string; QueueUrl?: string; Key?: unknown });
      expect(sent.map((b) => b.StreamName ?? b.QueueUrl ?? b.Key)).toEqual([
        's-1',
        's-2',
        'http://127.0.0.1:9/000000000000/q-1',
        'http://127.0.0.1:9/000000000000/q-2',
        { deviceId: { S: 'd-1' } },
        { deviceId: { S: 'd-2' } },
      ]);
    });
  });

  // The user-agent middleware is dropped for its CPU (awsClients.ts); what a call needs stays:
  // SigV4 signing, the retry of a 5xx with its attempt header, X-Ray propagation, endpoints.
  it('sends calls without the SDK user-agent headers, still signed, retried and traced', async () => {
    const traceId = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
    // withClients restores the environment afterwards.
    await withClients(async ({ kinesis, sqs, dynamo }) => {
      Object.assign(process.env, { AWS_LAMBDA_FUNCTION_NAME: 'devhub-test-deviceApi', _X_AMZN_TRACE_ID: traceId });
      for (const client of [kinesis, sqs, dynamo]) {
        const names = client.middlewareStack.identify().map((m) => m.split(' ')[0]);
        expect(names).not.toContain(USER_AGENT_MIDDLEWARE);
        expect(names).toEqual(expect.arrayContaining(['retryMiddleware', 'httpSigningMiddleware', 'recursionDetectionMiddleware']));
      }
      failOnce.add('Kinesis_20131202.PutRecords');
      await kinesis.send(new PutRecordsCommand({ StreamName: 's', Records: [{ PartitionKey: 'p', Data: Buffer.from('x') }] }));
      await sqs.send(
        new SendMessageBatchCommand({ QueueUrl: 'http://127.0.0.1:9/000000000000/q', Entries: [{ Id: '0', MessageBody: 'x' }] }),
      );
      await dynamo.send(new GetCommand({ TableName: 'devices', Key: { deviceId: 'd' } }));
    });
    expect(targets).toEqual([
      'Kinesis_20131202.PutRecords',
      'Kinesis_20131202.PutRecords',
      'AmazonSQS.SendMessageBatch',
      'DynamoDB_20120810.GetItem',
    ]);
    expect(headers.map((h) => h['amz-sdk-request'])).toEqual([
      'attempt=1; max=3',
      'attempt=2; max=3',
      'attempt=1; max=3',
      'attempt=1; max=3',
    ]);
    for (const h of headers) {
      expect(h['user-agent']).toBeUndefined();
      expect(h['x-amz-user-agent']).toBeUndefined();
      expect(h.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=local\/\d{8}\/us-east-1\/(kinesis|sqs|dynamodb)\/aws4_request, SignedHeaders=.*host.*, Signature=[0-9a-f]{64}$/,
      );
      expect(h['x-amzn-trace-id']).toBe(traceId);
    }
  });
});
