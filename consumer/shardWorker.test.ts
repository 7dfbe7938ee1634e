/** The shard loop against in-memory ports: delivery, checkpoints, retries, lease loss. */
import { LeaseLostError } from './errors';
import type { LeaseStore, RawRecord, ShardSource } from './ports';
import { ShardWorker, type ShardWorkerOptions } from './shardWorker';
import { SHARD_END, type Batch, type ConsumerEvent } from './types';

function records(n: number): RawRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    sequenceNumber: String(1000 + i),
    partitionKey: `k${i % 3}`,
    arrivedAt: new Date(),
    data: Buffer.from(JSON.stringify({ i })),
  }));
}

/** One closed shard holding `all`; iterators are positions. */
function source(all: RawRecord[]): ShardSource {
  return {
    listShards: async () => [{ shardId: 's', parentShardIds: [], closed: true }],
    iterator: async (_shard, from) =>
      'afterSequenceNumber' in from ? String(all.findIndex((r) => r.sequenceNumber === from.afterSequenceNumber) + 1) : '0',
    getRecords: async (iterator, limit) => {
      const at = Number(iterator);
      const page = all.slice(at, at + limit);
      const next = at + page.length;
      return { records: page, millisBehindLatest: 0, ...(page.length === 0 && next >= all.length ? {} : { nextIterator: String(next) }) };
    },
  };
}

function store(checkpoints: string[], lost = () => false): LeaseStore {
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
      if (lost()) throw new LeaseLostError(shardId);
      checkpoints.push(seq);
    },
  };
}

function worker(
  o: Partial<ShardWorkerOptions<{ i: number }>> & Pick<ShardWorkerOptions<{ i: number }>, 'source' | 'store' | 'handler'>,
  events: ConsumerEvent[] = [],
) {
  return new ShardWorker<{ i: number }>({
    group: 'g',
    shardId: 's',
    me: 'me',
    start: { type: 'trim-horizon' },
    decode: (d) => JSON.parse(Buffer.from(d).toString('utf8')) as { i: number },
    batchSize: 4,
    idleMs: 1,
    handlerRetry: { baseMs: 1, maxMs: 2 },
    storeRetry: { attempts: 1, baseMs: 1, maxMs: 1 },
    leaseValid: () => true,
    emit: (e) => events.push(e),
    ...o,
  });
}

describe('shard worker', () => {
  it('delivers the shard in order in batches, checkpoints after each, and marks a closed shard SHARD_END', async () => {
    const got: number[] = [];
    const checkpoints: string[] = [];
    const end = await worker({
      source: source(records(10)),
      store: store(checkpoints),
      handler: async (b) => void got.push(...b.records.map((r) => r.value.i)),
    }).run();
    expect(end).toBe('finished');
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(checkpoints).toEqual(['1003', '1007', '1009', SHARD_END]);
  });

  it('resumes after a checkpoint', async () => {
    const got: number[] = [];
    await worker({
      source: source(records(6)),
      store: store([]),
      checkpoint: '1003',
      handler: async (b) => void got.push(...b.records.map((r) => r.value.i)),
    }).run();
    expect(got).toEqual([4, 5]);
  });

  it('gives a failing handler the same records again, without checkpointing them, and reports each failure', async () => {
    const deliveries: number[][] = [];
    const checkpoints: string[] = [];
    const events: ConsumerEvent[] = [];
    let failures = 2;
    await worker(
      {
        source: source(records(4)),
        store: store(checkpoints),
        handler: async (b) => {
          deliveries.push(b.records.map((r) => r.value.i));
          expect(checkpoints).toEqual([]);
          if (failures-- > 0) throw new Error('boom');
        },
      },
      events,
    ).run();
    expect(deliveries).toEqual([
      [0, 1, 2, 3],
      [0, 1, 2, 3],
      [0, 1, 2, 3],
    ]);
    expect(events.filter((e) => e.type === 'handler-error').map((e) => (e.type === 'handler-error' ? e.attempt : 0))).toEqual([1, 2]);
    expect(checkpoints).toEqual(['1003', SHARD_END]);
  });

  it('after an explicit checkpoint(record) a failed batch comes again without the checkpointed records', async () => {
    const deliveries: number[][] = [];
    const checkpoints: string[] = [];
    let failed = false;
    await worker({
      source: source(records(4)),
      store: store(checkpoints),
      handler: async (b: Batch<{ i: number }>, ctx) => {
        deliveries.push(b.records.map((r) => r.value.i));
        if (!failed) {
          failed = true;
          await ctx.checkpoint(b.records[1]);
          throw new Error('after two');
        }
      },
    }).run();
    expect(deliveries).toEqual([
      [0, 1, 2, 3],
      [2, 3],
    ]);
    expect(checkpoints).toEqual(['1001', '1003', SHARD_END]);
  });

  it('never hands records to the handler without a valid lease', async () => {
    let calls = 0;
    const end = await worker({
      source: source(records(4)),
      store: store([]),
      leaseValid: () => false,
      handler: async () => void calls++,
    }).run();
    expect(end).toBe('lost');
    expect(calls).toBe(0);
  });

  it('stops at once when a checkpoint finds the lease taken by another instance', async () => {
    let calls = 0;
    const end = await worker({ source: source(records(8)), store: store([], () => true), handler: async () => void calls++ }).run();
    expect(end).toBe('lost');
    expect(calls).toBe(1);
  });
});
