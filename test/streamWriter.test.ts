/**
 * The stream writer against real kinesalite, with partial PutRecords failures injected (the
 * emulator never produces them): failed entries are retried alone, and the writer never
 * reports success while a record is unwritten.
 */
import { KinesisClient, PutRecordsCommand, type PutRecordsCommandOutput } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { StreamWriteError, StreamWriter } from '../lib/adapters/aws/streamWriter';

import { hubInfo, resourceName, StreamWatcher, uniqueId } from './support/hub';

/** A real client whose PutRecords results are doctored by `fault` before the caller sees them. */
function faultyClient(fault: (call: number, entries: number, out: PutRecordsCommandOutput) => PutRecordsCommandOutput | 'throw') {
  hubInfo();
  const client = new KinesisClient({ requestHandler: new NodeHttpHandler() });
  const realSend = client.send.bind(client) as (cmd: unknown) => Promise<unknown>;
  const calls: number[] = [];
  let call = 0;
  (client as unknown as { send: (cmd: unknown) => Promise<unknown> }).send = async (cmd: unknown) => {
    if (!(cmd instanceof PutRecordsCommand)) return realSend(cmd);
    const entries = cmd.input.Records ?? [];
    calls.push(entries.length);
    call++;
    const decision = fault(call, entries.length, { Records: entries.map(() => ({ SequenceNumber: 'x', ShardId: 'x' })), $metadata: {} });
    if (decision === 'throw') throw Object.assign(new Error('injected'), { name: 'ProvisionedThroughputExceededException' });
    // Write for real only the entries the fault says succeeded.
    const succeeded = entries.filter((_, i) => decision.Records?.[i]?.ErrorCode === undefined);
    if (succeeded.length > 0) await realSend(new PutRecordsCommand({ StreamName: cmd.input.StreamName, Records: succeeded }));
    return decision;
  };
  return { client, calls };
}

const failEntries =
  (indexes: number[]) =>
  (_call: number, entries: number): PutRecordsCommandOutput => ({
    Records: Array.from({ length: entries }, (_, i) =>
      indexes.includes(i)
        ? { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'injected' }
        : { SequenceNumber: '1', ShardId: 's' },
    ),
    FailedRecordCount: indexes.filter((i) => i < entries).length,
    $metadata: {},
  });

describe('StreamWriter under injected faults', () => {
  const noSleep = { sleep: async () => undefined };

  it('retries only the failed entries of a partial failure, and every record lands exactly once', async () => {
    const { client, calls } = faultyClient((call, n) => (call === 1 ? failEntries([1, 3])(call, n) : failEntries([])(call, n)));
    const watcher = await StreamWatcher.start(client);
    const key = uniqueId('partial');
    const writer = new StreamWriter(client, resourceName('EVENTS_STREAM'), noSleep);
    await writer.putJson([0, 1, 2, 3, 4].map((n) => ({ partitionKey: key, value: { deviceId: key, n } })));
    expect(calls).toEqual([5, 2]);
    const seen = await watcher.waitFor((e) => e.deviceId === key, 5);
    expect(seen.map((e) => (e as unknown as { n: number }).n).sort()).toEqual([0, 1, 2, 3, 4]);
    client.destroy();
  });

  it('throws (503) rather than report success while any record stays unwritten', async () => {
    const { client, calls } = faultyClient((call, n) => failEntries([0])(call, n));
    const writer = new StreamWriter(client, resourceName('EVENTS_STREAM'), { ...noSleep, maxAttempts: 4 });
    const err = await writer.putJson([1, 2].map((n) => ({ partitionKey: 'k', value: { n } }))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StreamWriteError);
    expect((err as StreamWriteError).status).toBe(503);
    expect((err as StreamWriteError).unwritten).toBe(1);
    expect(calls).toEqual([2, 1, 1, 1]);
    client.destroy();
  });

  it('retries a whole call that failed, then succeeds', async () => {
    const { client, calls } = faultyClient((call, n) => (call === 1 ? 'throw' : failEntries([])(call, n)));
    const writer = new StreamWriter(client, resourceName('EVENTS_STREAM'), noSleep);
    await writer.putJson([{ partitionKey: 'k', value: { n: 1 } }]);
    expect(calls).toEqual([1, 1]);
    client.destroy();
  });

  it('splits more than 500 records into several calls', async () => {
    const { client, calls } = faultyClient((call, n) => failEntries([])(call, n));
    const writer = new StreamWriter(client, resourceName('EVENTS_STREAM'), noSleep);
    await writer.putJson(Array.from({ length: 1203 }, (_, n) => ({ partitionKey: `k${n % 7}`, value: { n } })));
    expect(calls).toEqual([500, 500, 203]);
    client.destroy();
  });
});
