/**
 * The command queue over the DynamoDB store, against the test hub's dynalite, under real
 * concurrency. Each test file run uses a private copy of the C2D table (same keys and sweep
 * index), so the hub's own sweeper never touches these records. Faults dynalite and the SQS
 * emulator cannot produce (a failed SendMessage, a write lost to a crash) are injected by
 * wrapping a client's `send`.
 */
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { randomBytes } from 'node:crypto';
import { CommandQueue, type DeviceRef } from '../lib/c2d/commandQueue';
import { DynamoQueueStore } from '../lib/adapters/aws/c2d/dynamoStore';
import { LockLostError, QueueDepthExceededError } from '../lib/c2d/errors';
import { FeedbackLocks, FeedbackPublisher, FeedbackReader, parseFeedbackBody } from '../lib/adapters/aws/c2d/feedbackQueue';
import { MemoryFeedback } from '../lib/c2d/memoryStore';
import type { CommandContent, FeedbackRecord, QueueLimits } from '../lib/c2d/types';
import { createActiveCopyOfTable } from './support/emulatorResources';
import { hubInfo, resourceName } from './support/hub';

hubInfo();
const handler = new NodeHttpHandler();
const raw = new DynamoDBClient({ requestHandler: handler });
const dynamo = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
const sqs = new SQSClient({ requestHandler: handler });
const table = `${resourceName('C2D_TABLE')}-it-${randomBytes(4).toString('hex')}`;
const LIMITS: QueueLimits = { maxDeliveryCount: 100, maxQueueDepth: 50, outboxGraceMs: 1000 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(() => createActiveCopyOfTable(raw, resourceName('C2D_TABLE'), table));

afterAll(async () => {
  await raw.send(new DeleteTableCommand({ TableName: table })).catch(() => undefined);
  raw.destroy();
  sqs.destroy();
});

function device(prefix: string): DeviceRef {
  return { deviceId: `${prefix}-${randomBytes(4).toString('hex')}`, generationId: 'gen-1' };
}

function content(messageId: string, ack: CommandContent['ack'] = 'full'): CommandContent {
  return { messageId, ack, properties: { n: messageId } };
}

const inAnHour = () => Date.now() + 3600_000;

describe('concurrent receivers', () => {
  it('N receivers on M messages: each message held by one receiver at a time, none lost, none completed twice', async () => {
    const feedback = new MemoryFeedback();
    const queue = new CommandQueue(new DynamoQueueStore(dynamo, table), feedback, LIMITS);
    const dev = device('receivers');
    const M = 30;
    const N = 8;
    for (let i = 0; i < M; i++) await queue.send(dev, content(`m${i}`), Buffer.from(`body-${i}`), inAnHour());

    const heldBy = new Map<string, number>(); // messageId → receiver holding it right now
    const completed = new Map<string, number>();
    const violations: string[] = [];
    let deliveries = 0;
    let abandons = 0;
    const receiver = async (me: number) => {
      for (let idle = 0; idle < 3;) {
        const msg = await queue.receive(dev, 30_000);
        if (!msg) {
          idle++;
          await sleep(20);
          continue;
        }
        deliveries++;
        const holder = heldBy.get(msg.messageId);
        if (holder !== undefined) violations.push(`${msg.messageId} locked by ${me} while held by ${holder}`);
        if (completed.has(msg.messageId)) violations.push(`${msg.messageId} delivered after completion`);
        if (msg.body?.toString() !== `body-${msg.messageId.slice(1)}`) violations.push(`${msg.messageId} has the wrong body`);
        heldBy.set(msg.messageId, me);
        await sleep(Math.random() * 10);
        heldBy.delete(msg.messageId);
        if (Math.random() < 0.25) {
          abandons++;
          await queue.settleByDevice(dev.deviceId, msg.lockToken ?? '', 'abandon');
        } else {
          await queue.settleByDevice(dev.deviceId, msg.lockToken ?? '', 'complete');
          completed.set(msg.messageId, (completed.get(msg.messageId) ?? 0) + 1);
          // The token is spent: a second complete is a lost lock.
          await expect(queue.settleByDevice(dev.deviceId, msg.lockToken ?? '', 'complete')).rejects.toBeInstanceOf(LockLostError);
        }
      }
    };
    const started = Date.now();
    await Promise.all(Array.from({ length: N }, (_, i) => receiver(i)));
    const elapsed = Date.now() - started;

    expect(violations).toEqual([]);
    expect([...completed.keys()].sort()).toEqual(Array.from({ length: M }, (_, i) => `m${i}`).sort());
    expect([...completed.values()].every((n) => n === 1)).toBe(true);
    expect(deliveries).toBe(M + abandons);
    const success = feedback.published.filter((f) => f.statusCode === 'Success').map((f) => f.originalMessageId);
    expect(success.sort()).toEqual([...completed.keys()].sort());
    expect(await queue.receive(dev, 1000)).toBeUndefined();
    const store = new DynamoQueueStore(dynamo, table);
    expect(await store.pending(dev.deviceId)).toEqual([]);
    const left = [];
    for await (const r of store.records(dev.deviceId, 0)) left.push(r);
    expect(left).toEqual([]);
    console.log(`c2d store: ${N} receivers, ${M} messages, ${deliveries} deliveries (${abandons} abandons) in ${elapsed} ms`);
  });

  it('concurrent completes with one token: exactly one wins', async () => {
    const feedback = new MemoryFeedback();
    const queue = new CommandQueue(new DynamoQueueStore(dynamo, table), feedback, LIMITS);
    const dev = device('racecomplete');
    await queue.send(dev, content('only'), Buffer.from('x'), inAnHour());
    const msg = await queue.receive(dev, 30_000);
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => queue.settleByDevice(dev.deviceId, msg?.lockToken ?? '', 'complete')),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof LockLostError)).toHaveLength(9);
    expect(feedback.published.map((f) => f.statusCode)).toEqual(['Success']);
  });

  it('a stale token never completes a message re-locked after its lock timed out', async () => {
    const feedback = new MemoryFeedback();
    const queue = new CommandQueue(new DynamoQueueStore(dynamo, table), feedback, LIMITS);
    const dev = device('stale');
    const M = 10;
    for (let i = 0; i < M; i++) await queue.send(dev, content(`s${i}`), Buffer.from('x'), inAnHour());
    const successes = new Map<string, number>();
    let lost = 0;
    // Receivers that are sometimes slower than their 150 ms lock: others take the message over.
    const receiver = async () => {
      for (let idle = 0; idle < 5;) {
        const msg = await queue.receive(dev, 150);
        if (!msg) {
          idle++;
          await sleep(60);
          continue;
        }
        await sleep(Math.random() < 0.5 ? 250 : 5);
        try {
          await queue.settleByDevice(dev.deviceId, msg.lockToken ?? '', 'complete');
          successes.set(msg.messageId, (successes.get(msg.messageId) ?? 0) + 1);
        } catch (err) {
          if (!(err instanceof LockLostError)) throw err;
          lost++;
        }
      }
    };
    await Promise.all(Array.from({ length: 6 }, receiver));
    expect([...successes.keys()].sort()).toEqual(Array.from({ length: M }, (_, i) => `s${i}`).sort());
    expect([...successes.values()].every((n) => n === 1)).toBe(true);
    expect(feedback.published).toHaveLength(M);
    expect(lost).toBeGreaterThan(0); // the race was exercised
  });
});

describe('retried writes', () => {
  it('a conditional write retried after a lost response still counts as ours (lock, complete, insert, reserve)', async () => {
    // The SDK retries when a response is lost; the retry then fails its condition. Emulate it by
    // sending every write twice and answering with the second outcome.
    const replaying = {
      send: async (command: object) => {
        const first = await dynamo.send(command as never);
        if (command.constructor.name === 'GetCommand' || command.constructor.name === 'QueryCommand') return first;
        return dynamo.send(command as never);
      },
    } as unknown as DynamoDBDocumentClient; // only `send` is used by the store
    const feedback = new MemoryFeedback();
    const queue = new CommandQueue(new DynamoQueueStore(replaying, table), feedback, { ...LIMITS, maxQueueDepth: 1 });
    const dev = device('replay');
    await queue.send(dev, content('r-1'), Buffer.from('x'), inAnHour());
    const msg = await queue.receive(dev, 30_000);
    expect(msg?.messageId).toBe('r-1');
    expect(await queue.receive(dev, 30_000)).toBeUndefined();
    await queue.settleByDevice(dev.deviceId, msg?.lockToken ?? '', 'complete');
    expect(feedback.published.map((f) => f.statusCode)).toEqual(['Success']);
  });
});

describe('depth limit', () => {
  it('concurrent senders at depth 49: exactly one more is accepted', async () => {
    const queue = new CommandQueue(new DynamoQueueStore(dynamo, table), new MemoryFeedback(), LIMITS);
    const store = new DynamoQueueStore(dynamo, table);
    for (let round = 0; round < 3; round++) {
      const dev = device('depth');
      await Promise.all(Array.from({ length: 49 }, (_, i) => queue.send(dev, content(`p${i}`, 'none'), Buffer.from('x'), inAnHour())));
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) => queue.send(dev, content(`race${i}`, 'none'), Buffer.from('x'), inAnHour())),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof QueueDepthExceededError)).toHaveLength(19);
      expect(await store.pending(dev.deviceId)).toHaveLength(50);
      let records = 0;
      for await (const _r of store.records(dev.deviceId, 0)) records++;
      expect(records).toBe(50); // the refused sends removed their records
    }
  });
});

describe('outbox and sweeper', () => {
  async function feedbackQueue(): Promise<{ name: string; reader: FeedbackReader }> {
    const name = `c2d-it-feedback-${randomBytes(4).toString('hex')}`;
    await sqs.send(new CreateQueueCommand({ QueueName: name }));
    return { name, reader: new FeedbackReader(sqs, name) };
  }

  async function drain(reader: FeedbackReader, count: number, timeoutMs = 5000) {
    const got = [];
    const deadline = Date.now() + timeoutMs;
    while (got.length < count && Date.now() < deadline) got.push(...(await reader.receive({ waitSeconds: 1 })));
    return got;
  }

  it('feedback survives a failed SendMessage: the settled record stays in the sweep index and the sweeper sends it', async () => {
    const { name, reader } = await feedbackQueue();
    let failSends = true;
    let urlLookups = 0;
    // SQS down: the emulator cannot produce that, so wrap the client's send.
    const faultySqs = {
      send: (command: { constructor: { name: string } }) => {
        if (command.constructor.name === 'GetQueueUrlCommand') urlLookups++;
        if (failSends && command.constructor.name === 'SendMessageCommand') return Promise.reject(new Error('injected: SQS unavailable'));
        return sqs.send(command as never);
      },
    } as unknown as SQSClient; // only `send` is used by the publisher
    const store = new DynamoQueueStore(dynamo, table);
    const limits = { ...LIMITS, outboxGraceMs: 2500 };
    const queue = new CommandQueue(store, new FeedbackPublisher(faultySqs, name), limits);
    const dev = device('outbox');
    await queue.send(dev, content('fb-1'), Buffer.from('x'), inAnHour());
    const msg = await queue.receive(dev, 30_000);
    await queue.settleByDevice(dev.deviceId, msg?.lockToken ?? '', 'complete'); // the device still gets its 204
    expect(await drain(reader, 1, 1000)).toEqual([]);
    expect(await store.pending(dev.deviceId)).toEqual([]); // the slot was released before the send failed
    const settled = await store.get(dev.deviceId, msg?.sequenceNumber ?? -1);
    expect([settled?.state, settled?.feedbackDue, settled?.outcome]).toEqual(['Settled', true, 'Success']);

    failSends = false;
    // Within the outbox grace the sweeper leaves it to its own handler...
    expect((await queue.sweep({ maxRecords: 100, deadlineMs: Date.now() + 10_000 })).finished).toBe(0);
    await sleep(limits.outboxGraceMs);
    const report = await queue.sweep({ maxRecords: 100, deadlineMs: Date.now() + 10_000 });
    expect(report.finished).toBe(1);
    const fb = await drain(reader, 1);
    expect(fb.map((f) => [f.originalMessageId, f.statusCode])).toEqual([['fb-1', 'Success']]);
    expect(await store.get(dev.deviceId, msg?.sequenceNumber ?? -1)).toBeUndefined();
    expect(urlLookups).toBe(1); // the queue URL is resolved once
  });

  it('a crash between settling and releasing the slot is repaired: the sweeper finishes, the depth is given back', async () => {
    const feedback = new MemoryFeedback();
    let crashOnRelease = true;
    const crashingDynamo = {
      send: (command: { input: { UpdateExpression?: string } }) => {
        if (crashOnRelease && command instanceof UpdateCommand && command.input.UpdateExpression?.startsWith('DELETE pending')) {
          return Promise.reject(new Error('injected: process died'));
        }
        return dynamo.send(command as never);
      },
    } as unknown as DynamoDBDocumentClient; // only `send` is used by the store
    const queue = new CommandQueue(new DynamoQueueStore(crashingDynamo, table), feedback, { ...LIMITS, maxQueueDepth: 1 });
    const dev = device('crash');
    await queue.send(dev, content('c-1'), Buffer.from('x'), inAnHour());
    const msg = await queue.receive(dev, 30_000);
    await queue.settleByDevice(dev.deviceId, msg?.lockToken ?? '', 'reject');
    await expect(queue.send(dev, content('c-2'), Buffer.from('x'), inAnHour())).rejects.toBeInstanceOf(QueueDepthExceededError);
    crashOnRelease = false;
    await sleep(LIMITS.outboxGraceMs + 100);
    await queue.sweep({ maxRecords: 100, deadlineMs: Date.now() + 10_000 });
    expect(feedback.published.map((f) => f.statusCode)).toEqual(['Rejected']);
    await queue.send(dev, content('c-3'), Buffer.from('x'), inAnHour());
  });

  it('a sender that dies between writing and reserving leaves an orphan nobody receives, which the sweeper removes', async () => {
    const feedback = new MemoryFeedback();
    const crashingDynamo = {
      send: (command: { input: { UpdateExpression?: string } }) => {
        if (command instanceof UpdateCommand && command.input.UpdateExpression?.startsWith('ADD pending'))
          return Promise.reject(new Error('injected: process died'));
        return dynamo.send(command as never);
      },
    } as unknown as DynamoDBDocumentClient;
    const dev = device('orphan');
    const crashing = new CommandQueue(new DynamoQueueStore(crashingDynamo, table), feedback, LIMITS);
    await expect(crashing.send(dev, content('o-1'), Buffer.from('x'), Date.now() + 500)).rejects.toThrow('injected');
    const store = new DynamoQueueStore(dynamo, table);
    const queue = new CommandQueue(store, feedback, LIMITS, { orphanGraceMs: 0 });
    expect(await queue.receive(dev, 30_000)).toBeUndefined();
    await sleep(600);
    const report = await queue.sweep({ maxRecords: 100, deadlineMs: Date.now() + 10_000 });
    expect(report.orphansRemoved).toBe(1);
    expect(feedback.published).toEqual([]); // the sender never got a 202: no feedback for it
    let records = 0;
    for await (const _r of store.records(dev.deviceId, 0)) records++;
    expect(records).toBe(0);
  });

  it('the sweeper reads only what is due (the sparse index), not the whole table', async () => {
    const feedback = new MemoryFeedback();
    const queue = new CommandQueue(new DynamoQueueStore(dynamo, table), feedback, LIMITS);
    // Clear what earlier tests left due, then measure.
    await sleep(LIMITS.outboxGraceMs);
    await queue.sweep({ maxRecords: 10_000, deadlineMs: Date.now() + 30_000 });
    const devices = Array.from({ length: 10 }, () => device('sweep'));
    await Promise.all(
      devices.map((d) =>
        Promise.all(Array.from({ length: 20 }, (_, i) => queue.send(d, content(`later${i}`, 'none'), Buffer.from('x'), inAnHour()))),
      ),
    );
    await queue.send(devices[0] as DeviceRef, content('soon-1', 'negative'), Buffer.from('x'), Date.now() + 300);
    await queue.send(devices[1] as DeviceRef, content('soon-2', 'full'), Buffer.from('x'), Date.now() + 300);
    expect((await queue.sweep({ maxRecords: 10_000, deadlineMs: Date.now() + 30_000 })).examined).toBe(0);
    await sleep(400);
    const report = await queue.sweep({ maxRecords: 10_000, deadlineMs: Date.now() + 30_000 });
    expect([report.examined, report.settled]).toEqual([2, 2]);
    expect(feedback.published.map((f) => [f.originalMessageId, f.statusCode]).sort()).toEqual([
      ['soon-1', 'Expired'],
      ['soon-2', 'Expired'],
    ]);
  });
});

describe('the two feedback readers on one queue (HTTPS feedback API and POST /feedback/receive)', () => {
  const record = (id: string): FeedbackRecord => ({
    originalMessageId: id,
    deviceId: 'd',
    statusCode: 'Success',
    description: 'Success',
    enqueuedTimeUtc: new Date().toISOString(),
    deviceGenerationId: 'g',
  });

  async function queueWith(batches: string[][]): Promise<{ locks: FeedbackLocks; reader: FeedbackReader }> {
    const name = `c2d-it-readers-${randomBytes(4).toString('hex')}`;
    await sqs.send(new CreateQueueCommand({ QueueName: name }));
    const publisher = new FeedbackPublisher(sqs, name);
    for (const ids of batches) await publisher.publish(ids.map(record));
    return { locks: new FeedbackLocks(sqs, name), reader: new FeedbackReader(sqs, name) };
  }

  /** The HTTPS receiver: lock, read, complete, until `done` says all is accounted for (deadline only bounds a hang). */
  async function httpsReceiver(locks: FeedbackLocks, got: string[], done: () => boolean): Promise<void> {
    for (const deadline = Date.now() + 60_000; !done();) {
      if (Date.now() > deadline) throw new Error(`feedback never all received: ${JSON.stringify(got)}`);
      const batch = await locks.receive(30);
      if (!batch) continue;
      got.push(...(parseFeedbackBody(batch.body) ?? []).map((r) => r.originalMessageId));
      await locks.complete(batch.lockToken);
    }
  }

  it('a sender that keeps part of a batch gets its records; the rest stay for the other receiver; nothing twice', async () => {
    const { locks, reader } = await queueWith([['mine-1', 'other-1'], ['other-2'], ['mine-2']]);
    const mine: string[] = [];
    for (const deadline = Date.now() + 60_000; mine.length < 2;) {
      if (Date.now() > deadline) throw new Error(`the sender never got its records: ${JSON.stringify(mine)}`);
      mine.push(...(await reader.receive({ keep: (r) => r.originalMessageId.startsWith('mine-') })).map((r) => r.originalMessageId));
    }
    expect(mine.sort()).toEqual(['mine-1', 'mine-2']);
    const others: string[] = [];
    await httpsReceiver(locks, others, () => others.length >= 2);
    expect(others.sort()).toEqual(['other-1', 'other-2']);
    expect(await locks.receive(30)).toBeUndefined(); // nothing left, nothing twice
  });

  it('used at once, the two readers together receive every record exactly once', async () => {
    const ids = Array.from({ length: 30 }, (_, i) => `r${i}`);
    // Batches of three, each mixing records the sender wants (even) with others.
    const { locks, reader } = await queueWith(Array.from({ length: 10 }, (_, b) => ids.slice(b * 3, b * 3 + 3)));
    const bySender: string[] = [];
    const byHttps: string[] = [];
    const all = () => bySender.length + byHttps.length >= ids.length;
    const sender = (async () => {
      for (const deadline = Date.now() + 60_000; !all() && Date.now() < deadline;) {
        bySender.push(
          ...(await reader.receive({ keep: (r) => Number(r.originalMessageId.slice(1)) % 2 === 0 })).map((r) => r.originalMessageId),
        );
      }
    })();
    await Promise.all([sender, httpsReceiver(locks, byHttps, all)]);
    expect([...bySender, ...byHttps].sort()).toEqual([...ids].sort());
    expect(bySender.every((id) => Number(id.slice(1)) % 2 === 0)).toBe(true);
    expect(await locks.receive(30)).toBeUndefined();
  });
});
