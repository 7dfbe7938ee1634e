/**
 * The hub's SQS calls go to the configured endpoint (AWS_ENDPOINT_URL_SQS) even when the queue
 * URL names another host: locally the fault proxy sits at the configured endpoint, and a call
 * that went around it was never subject to injected faults (found by the soak ledger).
 */
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAwsClients } from './awsClients';

describe('AWS clients', () => {
  let server: Server;
  const targets: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      targets.push(String(req.headers['x-amz-target']));
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(
        JSON.stringify({
          Successful: [{ Id: '0', MessageId: 'm', MD5OfMessageBody: createHash('md5').update('x').digest('hex') }],
          Failed: [],
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends SQS calls with a queue URL to the configured endpoint, not to the URL host', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_SQS: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    });
    const { sqs, kinesis, dynamo } = createAwsClients();
    try {
      // Port 9 (discard): nothing listens there, so a call sent to the URL host would fail.
      await sqs.send(
        new SendMessageBatchCommand({ QueueUrl: 'http://127.0.0.1:9/000000000000/q', Entries: [{ Id: '0', MessageBody: 'x' }] }),
      );
      expect(targets).toEqual(['AmazonSQS.SendMessageBatch']);
    } finally {
      sqs.destroy();
      kinesis.destroy();
      dynamo.destroy();
      process.env = saved;
    }
  });
});
