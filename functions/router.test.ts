/** The stream consumer with a fake router: records decoded, partial batch failures reported by sequence number. */
import type { KinesisStreamEvent } from 'aws-lambda';
import { lambdaContext } from './handlerTestkit';
import { makeHandler, type RouterDeps } from './router';

jest.mock('../lib/config', () => ({ ...jest.requireActual<object>('../lib/config'), loadConfig: () => ({}) }));
jest.mock('../lib/hub', () => ({ createHub: () => ({}) }));
jest.mock('../lib/adapters/aws/awsClients', () => ({ createAwsClients: () => ({}) }));

function kinesisEvent(records: { seq: string; data: string }[]): KinesisStreamEvent {
  return {
    Records: records.map(({ seq, data }) => ({
      eventID: `shardId-000000000000:${seq}`,
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn',
      awsRegion: 'us-east-1',
      eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/e',
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: 'd1',
        sequenceNumber: seq,
        data: Buffer.from(data).toString('base64'),
        approximateArrivalTimestamp: 0,
      },
    })),
  };
}

describe('router handler', () => {
  it('hands the decoded records to the router and reports only the failed ones as batchItemFailures', async () => {
    const routeBatch = jest.fn((records: { id: string }[]) =>
      Promise.resolve({ delivered: 1, deadLettered: 1, failedRecordIds: records.filter((r) => r.id === '2').map((r) => r.id) }),
    );
    const handler = makeHandler({ router: { routeBatch } } as unknown as RouterDeps);
    const result = await handler(
      kinesisEvent([
        { seq: '1', data: 'a' },
        { seq: '2', data: 'b' },
        { seq: '3', data: 'c' },
      ]),
      lambdaContext(),
    );
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: '2' }] });
    const [records] = routeBatch.mock.calls[0] as unknown as [{ id: string; eventId: string; data: Buffer }[]];
    expect(records.map((r) => [r.id, r.eventId, r.data.toString()])).toEqual([
      ['1', 'shardId-000000000000:1', 'a'],
      ['2', 'shardId-000000000000:2', 'b'],
      ['3', 'shardId-000000000000:3', 'c'],
    ]);
  });

  it('reports no failures when every record was delivered or dead-lettered', async () => {
    const routeBatch = jest.fn(() => Promise.resolve({ delivered: 2, deadLettered: 0, failedRecordIds: [] }));
    const handler = makeHandler({ router: { routeBatch } } as unknown as RouterDeps);
    expect(await handler(kinesisEvent([{ seq: '1', data: 'a' }]), lambdaContext())).toEqual({ batchItemFailures: [] });
  });

  it('fails the whole invocation when the router throws (Lambda retries the batch)', async () => {
    const routeBatch = jest.fn(() => Promise.reject(new Error('routing table unreadable')));
    const handler = makeHandler({ router: { routeBatch } } as unknown as RouterDeps);
    await expect(handler(kinesisEvent([{ seq: '1', data: 'a' }]), lambdaContext())).rejects.toThrow('routing table unreadable');
  });
});
