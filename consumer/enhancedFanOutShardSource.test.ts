/**
 * The enhanced fan-out shard source against a fake Kinesis client: kinesalite has no
 * RegisterStreamConsumer or SubscribeToShard, so this is the one place a client is faked for
 * the whole API rather than for one fault. The fake serves SubscribeToShard from an in-memory
 * closed shard as AWS does: events of records, each with the continuation to resubscribe from,
 * the last one without a continuation (and with child shards); a script says when a
 * subscription ends (AWS' 5-minute end), fails, or carries an exception event.
 */
import {
  SubscribeToShardCommand,
  type KinesisClient,
  type StartingPosition,
  type SubscribeToShardEventStream,
} from '@aws-sdk/client-kinesis';
import { EnhancedFanOutShardSource } from './enhancedFanOutShardSource';
import { LeaseLostError } from './errors';
import type { LeaseStore, RawRecord } from './ports';
import { ShardWorker } from './shardWorker';
import { SHARD_END, type ConsumerEvent } from './types';

const ARN = 'arn:aws:kinesis:eu-west-1:123456789012:stream/devhub-prod-events/consumer/billing:1700000000';
const SHARD = 'shardId-000000000000';

/** What one SubscribeToShard call does: refuse, or stream `events` events then end or fail inside the stream. */
type Script = { refuse: string } | { events: number; then?: 'end' | { error: string } };

function shard(n: number): RawRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    sequenceNumber: String(49_000 + i),
    partitionKey: `dev${i % 3}`,
    arrivedAt: new Date(1_700_000_000_000 + i),
    data: Buffer.from(JSON.stringify({ i })),
  }));
}

function fakeKinesis(records: RawRecord[], scripts: Script[], eventSize = 2) {
  const calls: { ConsumerARN?: string; ShardId?: string; StartingPosition?: StartingPosition }[] = [];
  const client = {
    send: async (command: unknown) => {
      if (!(command instanceof SubscribeToShardCommand)) throw new Error(`unexpected ${String(command)}`);
      calls.push(command.input);
      const script = scripts.shift() ?? { events: Number.MAX_SAFE_INTEGER };
      if ('refuse' in script) throw Object.assign(new Error(script.refuse), { name: script.refuse });
      const start = command.input.StartingPosition;
      let at =
        start?.Type === 'AFTER_SEQUENCE_NUMBER'
          ? records.findIndex((r) => r.sequenceNumber === start.SequenceNumber) + 1
          : start?.Type === 'TRIM_HORIZON'
            ? 0
            : NaN;
      if (Number.isNaN(at)) throw new Error(`the fake serves TRIM_HORIZON and AFTER_SEQUENCE_NUMBER, not ${JSON.stringify(start)}`);
      const { events: count, then } = script;
      async function* events(): AsyncGenerator<SubscribeToShardEventStream> {
        for (let sent = 0; sent < count; sent++) {
          const page = records.slice(at, at + eventSize);
          at += page.length;
          const last = at >= records.length;
          yield {
            SubscribeToShardEvent: {
              Records: page.map((r) => ({
                SequenceNumber: r.sequenceNumber,
                PartitionKey: r.partitionKey,
                ApproximateArrivalTimestamp: r.arrivedAt,
                Data: r.data,
              })),
              ContinuationSequenceNumber: last ? undefined : page[page.length - 1]?.sequenceNumber,
              MillisBehindLatest: (records.length - at) * 1000,
              ...(last ? { ChildShards: [{ ShardId: 'shardId-000000000001', ParentShards: [SHARD], HashKeyRange: undefined }] } : {}),
            },
          };
          if (last) return;
        }
        if (typeof then === 'object') {
          const name = then.error;
          yield { [name]: { name, message: `${name} in the stream` } } as unknown as SubscribeToShardEventStream;
        }
      }
      return { EventStream: events(), $metadata: {} };
    },
  };
  // The fake answers only SubscribeToShard (listShards is the polling source's, tested against kinesalite).
  return { client: client as unknown as KinesisClient, calls };
}

const fastRetry = { attempts: 4, baseMs: 1, maxMs: 2 };

/** Reads the shard through the source, `limit` at a time, until it ends. */
async function readAll(source: EnhancedFanOutShardSource, limit: number): Promise<string[]> {
  const got: string[] = [];
  let it = await source.iterator(SHARD, { type: 'trim-horizon' });
  while (it) {
    const page = await source.getRecords(it, limit);
    expect(page.records.length).toBeLessThanOrEqual(limit);
    got.push(...page.records.map((r) => r.sequenceNumber));
    it = page.nextIterator;
  }
  return got;
}

const all = (n: number) => shard(n).map((r) => r.sequenceNumber);

describe('enhanced fan-out shard source', () => {
  it('refuses what is not a stream consumer ARN', () => {
    expect(() => new EnhancedFanOutShardSource(fakeKinesis([], []).client, 's', { consumerArn: 'billing' })).toThrow(
      'not a Kinesis stream consumer ARN: billing',
    );
  });

  it('hands out the subscribed events in order, `limit` records at a time, and ends with the closed shard', async () => {
    const { client, calls } = fakeKinesis(shard(7), [], 3);
    const source = new EnhancedFanOutShardSource(client, 'devhub-prod-events', { consumerArn: ARN, retry: fastRetry });
    expect(await readAll(source, 2)).toEqual(all(7));
    expect(calls).toEqual([{ ConsumerARN: ARN, ShardId: SHARD, StartingPosition: { Type: 'TRIM_HORIZON' } }]);
  });

  it("subscribes again after AWS' 5-minute end, from the last event's continuation: nothing lost, nothing twice", async () => {
    const { client, calls } = fakeKinesis(shard(9), [{ events: 2 }, { events: 1 }, { events: 5 }]);
    const resubscribed: string[] = [];
    const source = new EnhancedFanOutShardSource(client, 's', {
      consumerArn: ARN,
      retry: fastRetry,
      onResubscribe: (_s, reason) => resubscribed.push(reason),
    });
    expect(await readAll(source, 10)).toEqual(all(9));
    expect(calls.map((c) => c.StartingPosition)).toEqual([
      { Type: 'TRIM_HORIZON' },
      { Type: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: '49003' },
      { Type: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: '49005' },
    ]);
    expect(resubscribed).toEqual(['expired', 'expired']);
  });

  it('subscribes again once a subscription is 5 minutes old even if the stream stays open', async () => {
    let now = 0;
    const { client, calls } = fakeKinesis(shard(6), [{ events: 100 }, { events: 100 }]);
    const source = new EnhancedFanOutShardSource(client, 's', { consumerArn: ARN, retry: fastRetry, now: () => now });
    const it = (await source.iterator(SHARD, { type: 'trim-horizon' })) ?? '';
    expect((await source.getRecords(it, 10)).records.map((r) => r.sequenceNumber)).toEqual(['49000', '49001']);
    now += 4 * 60_000;
    expect((await source.getRecords(it, 10)).records.map((r) => r.sequenceNumber)).toEqual(['49002', '49003']);
    expect(calls).toHaveLength(1);
    now += 60_000;
    expect((await source.getRecords(it, 10)).records.map((r) => r.sequenceNumber)).toEqual(['49004', '49005']);
    expect(calls.map((c) => c.StartingPosition)).toEqual([
      { Type: 'TRIM_HORIZON' },
      { Type: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: '49003' },
    ]);
  });

  it('retries a refused subscription and an exception event, continuing where it was', async () => {
    const { client, calls } = fakeKinesis(shard(8), [
      { refuse: 'ResourceInUseException' },
      { events: 1, then: { error: 'InternalFailureException' } },
      { refuse: 'LimitExceededException' },
      { events: 100 },
    ]);
    const errors: string[] = [];
    const source = new EnhancedFanOutShardSource(client, 's', {
      consumerArn: ARN,
      retry: fastRetry,
      onResubscribe: (_s, reason, err) => errors.push(`${reason} ${(err as Error | undefined)?.name ?? ''}`.trim()),
    });
    expect(await readAll(source, 3)).toEqual(all(8));
    expect(errors).toEqual(['error ResourceInUseException', 'error InternalFailureException', 'error LimitExceededException']);
    expect(calls.map((c) => c.StartingPosition)).toEqual([
      { Type: 'TRIM_HORIZON' },
      { Type: 'TRIM_HORIZON' },
      { Type: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: '49001' },
      { Type: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: '49001' },
    ]);
  });

  it('gives up on an error that retrying cannot fix, and after the retry budget', async () => {
    const missing = fakeKinesis(shard(3), [{ refuse: 'ResourceNotFoundException' }]);
    const s1 = new EnhancedFanOutShardSource(missing.client, 's', { consumerArn: ARN, retry: fastRetry });
    await expect(s1.getRecords((await s1.iterator(SHARD, { type: 'trim-horizon' })) ?? '', 10)).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    expect(missing.calls).toHaveLength(1);
    const busy = fakeKinesis(
      shard(3),
      Array.from({ length: 10 }, () => ({ refuse: 'ResourceInUseException' })),
    );
    const s2 = new EnhancedFanOutShardSource(busy.client, 's', { consumerArn: ARN, retry: fastRetry });
    await expect(s2.getRecords((await s2.iterator(SHARD, { type: 'trim-horizon' })) ?? '', 10)).rejects.toMatchObject({
      name: 'ResourceInUseException',
    });
    expect(busy.calls).toHaveLength(fastRetry.attempts);
  });

  describe('under the shard worker (same checkpoints and at-least-once rules as GetRecords)', () => {
    function store(checkpoints: string[]): LeaseStore {
      const unused = async (): Promise<never> => {
        throw new Error('not used by the worker');
      };
      return {
        ensureGroup: unused,
        getGroup: unused,
        listGroups: unused,
        leases: unused,
        createLease: unused,
        take: unused,
        renew: unused,
        requestTransfer: unused,
        release: unused,
        reset: unused,
        checkpoint: async (_g, shardId, _me, seq) => {
          if (seq === 'lost') throw new LeaseLostError(shardId);
          checkpoints.push(seq);
        },
      };
    }

    function worker(
      source: EnhancedFanOutShardSource,
      checkpoints: string[],
      handler: (seqs: string[]) => Promise<void>,
      checkpoint?: string,
    ) {
      const events: ConsumerEvent[] = [];
      const w = new ShardWorker<{ i: number }>({
        group: 'billing',
        shardId: SHARD,
        me: 'me',
        source,
        store: store(checkpoints),
        start: { type: 'trim-horizon' },
        ...(checkpoint ? { checkpoint } : {}),
        handler: async (b) => handler(b.records.map((r) => r.sequenceNumber)),
        decode: (d) => JSON.parse(Buffer.from(d).toString('utf8')) as { i: number },
        batchSize: 3,
        idleMs: 0,
        handlerRetry: { baseMs: 1, maxMs: 2 },
        storeRetry: { attempts: 1, baseMs: 1, maxMs: 1 },
        leaseValid: () => true,
        emit: (e) => events.push(e),
      });
      return { w, events };
    }

    it('checkpoints continue across resubscriptions, a failed batch comes again, and the closed shard ends SHARD_END', async () => {
      const { client } = fakeKinesis(shard(11), [
        { events: 2 },
        { events: 1, then: { error: 'InternalFailureException' } },
        { events: 100 },
      ]);
      const source = new EnhancedFanOutShardSource(client, 's', { consumerArn: ARN, retry: fastRetry });
      const delivered: string[] = [];
      const checkpoints: string[] = [];
      let failOnce = true;
      const { w, events } = worker(source, checkpoints, async (seqs) => {
        if (failOnce && seqs.includes('49006')) {
          failOnce = false;
          throw new Error('handler failed once');
        }
        delivered.push(...seqs);
      });
      expect(await w.run()).toBe('finished');
      // Every record once, in order (the failed batch was delivered again, then succeeded).
      expect(delivered).toEqual(all(11));
      expect(events.filter((e) => e.type === 'handler-error')).toHaveLength(1);
      // Checkpoints only after success, ascending, never past what the handler finished.
      expect(checkpoints[checkpoints.length - 1]).toBe(SHARD_END);
      const numeric = checkpoints.slice(0, -1).map(Number);
      expect(numeric).toEqual([...numeric].sort((a, b) => a - b));
      expect(numeric[numeric.length - 1]).toBe(49_010);
    });

    it('a restarted worker subscribes after its checkpoint', async () => {
      const { client, calls } = fakeKinesis(shard(6), []);
      const source = new EnhancedFanOutShardSource(client, 's', { consumerArn: ARN, retry: fastRetry });
      const delivered: string[] = [];
      const { w } = worker(source, [], async (seqs) => void delivered.push(...seqs), '49003');
      expect(await w.run()).toBe('finished');
      expect(calls[0]?.StartingPosition).toEqual({ Type: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: '49003' });
      expect(delivered).toEqual(['49004', '49005']);
    });
  });
});
