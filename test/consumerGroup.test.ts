/**
 * Consumer groups against the test hub (kinesalite with two shards, dynalite): instances split
 * the shards, a killed instance's shards move on, nothing acknowledged is skipped, groups are
 * independent and resume, a failing handler is retried without a checkpoint, an unreachable
 * lease table stops processing until it is back. Resharding: a stream of the test's own,
 * split and merged while it is read.
 */
import {
  KinesisClient,
  CreateStreamCommand,
  DeleteStreamCommand,
  MergeShardsCommand,
  PutRecordsCommand,
  SplitShardCommand,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import { createConsumer, listGroups } from '../consumer';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { buildSync } from 'esbuild';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { devhub, spawnDevhub, spawnNode } from './support/cli';
import { dynamo, Instance, missing, NumberedSenders, tableName, until } from './support/consumerGroups';
import { hubInfo, injectFault, kinesis, resourceName, uniqueId } from './support/hub';

jest.setTimeout(180_000);

describe('consumer groups', () => {
  it('two CLI instances split the shards; killing one hands its shard over; nothing acknowledged is skipped; duplicates only after its last checkpoint', async () => {
    const senders = await NumberedSenders.create(8);
    const group = uniqueId('g');
    const args = ['consume', '--group', group, '--from', 'latest', '--follow', '--meta', '--lease-ms', '3000', '--idle-ms', '100'];
    const a = spawnDevhub(...args, '--instance', 'A');
    await a.waitFor(/^lease-taken .*/, 'stderr', 30_000);
    const b = spawnDevhub(...args, '--instance', 'B');
    try {
      await b.waitFor(/^lease-taken /, 'stderr', 60_000);
      // Split: one shard each.
      const groups = await listGroups(dynamo(), tableName());
      const owners = groups.find((g) => g.group === group)?.shards.map((s) => s.owner);
      expect(owners?.sort()).toEqual(['A', 'B']);

      await senders.send(5);
      const killedAt = Date.now();
      a.kill();
      await senders.send(5);
      const taken = await b.waitFor(/^lease-taken .* from A$/, 'stderr', 60_000);
      const handoverMs = Date.now() - killedAt;
      console.log(`handover after the kill: ${handoverMs} ms (lease 3000 ms): ${taken}`);
      await senders.send(3);

      const seen = new Set<string>();
      const parse = (lines: string[]) =>
        lines
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as { shardId: string; sequenceNumber: string; envelope: Parameters<typeof senders.identify>[0] })
          .map((r) => ({ ...r, id: senders.identify(r.envelope) }))
          .filter((r) => r.id !== undefined);
      await until('group delivered every acknowledged message', () => {
        for (const r of [...parse(a.lines('stdout')), ...parse(b.lines('stdout'))]) seen.add(`${r.id?.deviceId}#${r.id?.n}`);
        return missing(senders, seen).length === 0;
      });
      const fromA = parse(a.lines('stdout'));
      const fromB = parse(b.lines('stdout'));
      // Duplicates: only records after A's last checkpoint on their shard.
      const lastCheckpointOfA = new Map<string, bigint>();
      for (const l of a.lines('stderr')) {
        const m = /^checkpoint (\S+) (\d+)$/.exec(l);
        if (m?.[1] && m[2]) lastCheckpointOfA.set(m[1], BigInt(m[2]));
      }
      const bSeqs = new Set(fromB.map((r) => r.sequenceNumber));
      const duplicates = fromA.filter((r) => bSeqs.has(r.sequenceNumber));
      for (const d of duplicates) expect(BigInt(d.sequenceNumber) > (lastCheckpointOfA.get(d.shardId) ?? -1n)).toBe(true);
      // Per-device order within each instance's output.
      for (const out of [fromA, fromB]) {
        const byDevice = new Map<string, number[]>();
        for (const r of out) byDevice.set(r.id?.deviceId ?? '', [...(byDevice.get(r.id?.deviceId ?? '') ?? []), r.id?.n ?? -1]);
        for (const ns of byDevice.values()) expect(ns).toEqual([...ns].sort((x, y) => x - y));
      }
      console.log(`A printed ${fromA.length}, B printed ${fromB.length}, duplicates ${duplicates.length}, acknowledged ${senders.total()}`);
    } finally {
      a.kill();
      b.stop();
    }
  });

  it('the README example (examples/consumer-group.ts) reads as a group and stops cleanly', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'devhub-example-')), 'consumer-group.js');
    buildSync({
      entryPoints: [resolve(__dirname, '../examples/consumer-group.ts')],
      bundle: true,
      platform: 'node',
      target: 'node20',
      outfile: out,
      logLevel: 'error',
    });
    const senders = await NumberedSenders.create(2);
    const example = spawnNode(out, [], {
      ...hubInfo().awsEnv,
      DEVHUB_EVENTS_STREAM: resourceName('EVENTS_STREAM'),
      DEVHUB_CHECKPOINTS_TABLE: tableName(),
      GROUP: uniqueId('example'),
    });
    try {
      await example.waitFor(/^reading /, 'stderr', 30_000);
      await until('it reads both shards', () => example.lines('stderr').filter((l) => l.startsWith('lease-taken')).length === 2);
      await senders.send(2);
      await until(
        'it printed every message',
        () => example.lines('stdout').filter((l) => l.includes(senders.run)).length === senders.total(),
      );
      example.stop();
      await example.waitFor(/^stopped: batches checkpointed, leases released$/, 'stderr', 30_000);
    } finally {
      example.kill();
    }
  });

  it('two groups read the same records independently; a restarted group resumes after its checkpoint', async () => {
    const senders = await NumberedSenders.create(4);
    const [g1, g2] = [uniqueId('g1'), uniqueId('g2')];
    const first = new Instance(senders, { group: g1, from: { type: 'latest' } });
    const other = new Instance(senders, { group: g2, from: { type: 'latest' } });
    await first.consumer.start();
    await other.consumer.start();
    await until('both groups read both shards', () => first.owned().length === 2 && other.owned().length === 2);
    await senders.send(4);
    await until('group 1 got everything', () => missing(senders, first.distinct()).length === 0);
    await first.consumer.stop();

    await senders.send(4);
    const second = new Instance(senders, { group: g1, from: { type: 'trim-horizon' } }); // the stored position wins
    await second.consumer.start();
    await until(
      'the restarted group got the new messages',
      () => missing(senders, new Set([...first.distinct(), ...second.distinct()])).length === 0,
    );
    await until('group 2 got everything', () => missing(senders, other.distinct()).length === 0);
    await second.consumer.stop();
    await other.consumer.stop();

    // A graceful stop checkpointed everything: the restart delivered nothing twice.
    const again = second.deliveries.filter((d) => first.distinct().has(`${d.deviceId}#${d.n}`));
    expect(again).toEqual([]);
    expect(second.distinct().size).toBe(senders.total() / 2);
    expect(other.distinct().size).toBe(senders.total());

    // The CLI resumes the same group after its checkpoints and, without --follow, stops at the tip.
    const before = senders.total();
    await senders.send(2);
    const cli = await devhub('consume', '--group', g1, '--lease-ms', '2000');
    expect(cli.code).toBe(0);
    const printed = cli.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => senders.identify(JSON.parse(l) as Parameters<typeof senders.identify>[0]))
      .filter((x) => x !== undefined);
    expect(printed.length).toBe(senders.total() - before);
    expect(cli.stderr).toMatch(/^checkpoint shardId-\S+ \d+$/m);
  });

  it('a throwing handler is retried, not checkpointed past, and surfaced', async () => {
    const senders = await NumberedSenders.create(2);
    const group = uniqueId('gt');
    let failuresLeft = 3;
    const checkpointsWhileFailing: (string | undefined)[] = [];
    const inst = new Instance(senders, { group, from: { type: 'latest' } }, async (batch) => {
      if (failuresLeft > 0 && batch.records.some((r) => senders.identify(r.value))) {
        failuresLeft--;
        const g = (await listGroups(dynamo(), tableName())).find((x) => x.group === group);
        checkpointsWhileFailing.push(g?.shards.find((s) => s.shardId === batch.shardId)?.checkpoint);
        throw new Error('backend down');
      }
    });
    await inst.consumer.start();
    await until('it reads both shards', () => inst.owned().length === 2);
    await senders.send(3);
    await until('everything got through after the failures', () => missing(senders, inst.distinct()).length === 0);
    await inst.consumer.stop();
    const errors = inst.events.filter((e) => e.type === 'handler-error');
    expect(errors.length).toBe(3);
    expect(errors.map((e) => (e.type === 'handler-error' ? e.error.message : ''))).toEqual([
      'backend down',
      'backend down',
      'backend down',
    ]);
    // No checkpoint had been written past the failing records (none at all for a fresh group).
    const delivered = new Set(inst.deliveries.map((d) => d.seq));
    for (const cp of checkpointsWhileFailing) expect(cp === undefined || !delivered.has(cp)).toBe(true);
    expect(inst.consumer.status()).toEqual([]);
  });

  it('with the lease table unreachable it stops processing once its lease lapses, and recovers', async () => {
    const senders = await NumberedSenders.create(3);
    const group = uniqueId('gu');
    const proxy = hubInfo().faultProxies?.dynamodb;
    if (!proxy) throw new Error('the test hub runs without fault proxies');
    const inst = new Instance(senders, { group, from: { type: 'latest' }, dynamo: dynamo(proxy), leaseMs: 2000 });
    await inst.consumer.start();
    await until('it reads both shards', () => inst.owned().length === 2);
    await senders.send(2);
    await until('first messages delivered', () => missing(senders, inst.distinct()).length === 0);

    const clears = [];
    for (const operation of ['UpdateItem', 'Query', 'GetItem', 'PutItem'])
      clears.push(await injectFault('dynamodb', { operation, mode: 'error', match: group, errorCode: 'ServiceUnavailable', status: 503 }));
    const outageFrom = Date.now();
    await until(
      'its leases lapse',
      () => inst.events.some((e) => e.type === 'lease-lost' && e.at > outageFrom) && inst.owned().length === 0,
      30_000,
    );
    const lapsedAt = Date.now();
    const before = inst.deliveries.length;
    await senders.send(2); // acknowledged while the consumer holds no lease
    await new Promise((r) => setTimeout(r, 2500));
    expect(inst.deliveries.filter((d, i) => i >= before).length).toBe(0);
    expect(inst.events.some((e) => e.type === 'error' && e.at > outageFrom)).toBe(true);
    for (const clear of clears) await clear();
    await until('it recovers and delivers what arrived during the outage', () => missing(senders, inst.distinct()).length === 0);
    expect(inst.events.some((e) => e.type === 'lease-taken' && e.at > lapsedAt)).toBe(true);
    await inst.consumer.stop();
  });

  it('rides out GetRecords throttling with backoff and delivers everything', async () => {
    const senders = await NumberedSenders.create(2);
    const proxy = hubInfo().faultProxies?.kinesis;
    if (!proxy) throw new Error('the test hub runs without fault proxies');
    const retries: string[] = [];
    const throttled = new KinesisClient({ requestHandler: new NodeHttpHandler(), endpoint: proxy, maxAttempts: 1 });
    const inst = new Instance(senders, {
      group: uniqueId('gk'),
      from: { type: 'latest' },
      kinesis: throttled,
      kinesisOptions: {
        retry: { attempts: 8, baseMs: 20, maxMs: 200 },
        onRetry: (op, err) => retries.push(`${op} ${(err as Error).name}`),
      },
    });
    await inst.consumer.start();
    await until('it reads both shards', () => inst.owned().length === 2);
    const clear = await injectFault('kinesis', {
      operation: 'GetRecords',
      mode: 'error',
      count: 6,
      errorCode: 'ProvisionedThroughputExceededException',
      status: 400,
    });
    try {
      await senders.send(3);
      await until('everything delivered', () => missing(senders, inst.distinct()).length === 0);
    } finally {
      await clear();
      await inst.consumer.stop();
      throttled.destroy();
    }
    expect(retries.filter((r) => r === 'GetRecords ProvisionedThroughputExceededException').length).toBe(6);
    expect(inst.events.filter((e) => e.type === 'error')).toEqual([]); // retried within the bound, never surfaced
  });

  it('groups reset: an unknown group is a clear error; a running group is refused; a stopped one starts again at the position', async () => {
    const unknown = await devhub('groups', 'reset', uniqueId('nope'), '--to', 'trim-horizon');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/unknown consumer group "nope-[0-9a-f]+"/);
    const badPosition = await devhub('groups', 'reset', 'x', '--to', 'yesterday');
    expect(badPosition.code).toBe(2);
    expect(badPosition.stderr).toMatch(/--to <position>.*position must be trim-horizon, latest or an ISO time/);
    for (const bad of [
      ['consume'],
      ['consume', '--group', 'no spaces'],
      ['consume', '--group', 'g', '--from', 'soon'],
      ['groups', 'reset', 'g'],
    ]) {
      const out = await devhub(...bad);
      expect({ bad, code: out.code }).toEqual({ bad, code: 2 });
    }

    const senders = await NumberedSenders.create(2);
    const group = uniqueId('gr');
    const inst = new Instance(senders, { group, from: { type: 'latest' } });
    await inst.consumer.start();
    await until('it reads both shards', () => inst.owned().length === 2);
    await senders.send(2);
    await until('delivered', () => missing(senders, inst.distinct()).length === 0);
    const running = await devhub('groups', 'reset', group, '--to', 'trim-horizon');
    expect(running.code).toBe(1);
    expect(running.stderr).toMatch(/is running/);
    await inst.consumer.stop();

    const listed = await devhub('groups', 'list');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(group);
    // Back to the creation of the group's first messages: everything again.
    const firstArrival = new Date(Date.now() - 60_000).toISOString();
    const reset = await devhub('groups', 'reset', group, '--to', firstArrival);
    expect(reset.code).toBe(0);
    const again = new Instance(senders, { group });
    await again.consumer.start();
    await until('the reset group read the messages again', () => missing(senders, again.distinct()).length === 0);
    await again.consumer.stop();
  });

  it('consume --efo: refused against the local hub (kinesalite has no SubscribeToShard), before the group is created', async () => {
    const group = uniqueId('efo');
    const arn = `arn:aws:kinesis:us-east-1:123456789012:stream/devhub-test-events/consumer/${group}:1700000000`;
    const out = await devhub('consume', '--group', group, '--efo', arn);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(
      /--efo needs Kinesis in AWS: the local stream \(http:\/\/127\.0\.0\.1:\d+, kinesalite\) has no SubscribeToShard/,
    );
    expect((await devhub('groups', 'list')).stdout).not.toContain(group);
  });

  it('reads a stream split and merged while it is read: nothing lost, each key in order, children after parents', async () => {
    const k = kinesis();
    const stream = uniqueId('reshard');
    await k.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
    const shardIds = async () =>
      ((await k.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? []).filter(
        (s) => !s.SequenceNumberRange?.EndingSequenceNumber,
      );
    await until('stream active', async () => (await shardIds().catch(() => [])).length === 1);
    const written = new Map<string, number>();
    const put = async (rounds: number) => {
      for (let i = 0; i < rounds; i++) {
        const keys = Array.from({ length: 20 }, (_, j) => `key-${j}`);
        await k.send(
          new PutRecordsCommand({
            StreamName: stream,
            Records: keys.map((key) => {
              const n = written.get(key) ?? 0;
              written.set(key, n + 1);
              return { PartitionKey: key, Data: Buffer.from(JSON.stringify({ key, n })) };
            }),
          }),
        );
      }
    };
    const got: { key: string; n: number; shardId: string }[] = [];
    const finished: string[] = [];
    const consumer = createConsumer<{ key: string; n: number }>({
      group: uniqueId('gs'),
      kinesis: k,
      dynamo: dynamo(),
      streamName: stream,
      tableName: tableName(),
      leaseMs: 2000,
      idleMs: 100,
      shardSyncMs: 500,
      decode: (d) => JSON.parse(Buffer.from(d).toString('utf8')) as { key: string; n: number },
      handler: async (batch) => {
        for (const r of batch.records) got.push({ ...r.value, shardId: r.shardId });
      },
      onEvent: (e) => {
        if (e.type === 'shard-finished') finished.push(e.shardId);
      },
    });
    await consumer.start();
    await put(3);
    const [root] = await shardIds();
    await k.send(
      new SplitShardCommand({
        StreamName: stream,
        ShardToSplit: root?.ShardId ?? '',
        NewStartingHashKey: '170141183460469231731687303715884105728',
      }),
    );
    await until('split done', async () => (await shardIds()).length === 2);
    await put(3);
    const [left, right] = (await shardIds()).sort((x, y) => (x.ShardId ?? '').localeCompare(y.ShardId ?? ''));
    await k.send(
      new MergeShardsCommand({ StreamName: stream, ShardToMerge: left?.ShardId ?? '', AdjacentShardToMerge: right?.ShardId ?? '' }),
    );
    await until('merge done', async () => (await shardIds()).length === 1);
    await put(3);
    const total = [...written.values()].reduce((a, b) => a + b, 0);
    await until('every record read', () => new Set(got.map((g) => `${g.key}#${g.n}`)).size === total);
    await consumer.stop();
    await k.send(new DeleteStreamCommand({ StreamName: stream }));
    for (const key of written.keys()) {
      const ns = got.filter((g) => g.key === key).map((g) => g.n);
      expect(ns).toEqual([...ns].sort((a, b) => a - b));
    }
    expect(finished.length).toBe(3); // the root and both split children were read to their ends
    expect(finished[0]).toBe(root?.ShardId);
  });
});
