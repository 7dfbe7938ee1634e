/**
 * A device's final outcome that nobody gets feedback for, over the DynamoDB store against the
 * test hub's dynalite: which requests it makes (the cost model bills exactly these), what a
 * crash between the delete and the release leaves, and a delete whose response was lost. Faults
 * dynalite cannot produce are injected around the real client: a failed request by wrapping
 * `send`, a lost response in the HTTP handler (the request reached dynalite; the SDK sees a
 * reset connection and retries, as it would against AWS).
 */
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { randomBytes } from 'node:crypto';
import { CommandQueue, type DeviceRef } from '../lib/c2d/commandQueue';
import { DynamoQueueStore } from '../lib/adapters/aws/c2d/dynamoStore';
import { LockLostError, QueueDepthExceededError } from '../lib/c2d/errors';
import { MemoryFeedback } from '../lib/c2d/memoryStore';
import { metrics } from '../lib/metrics';
import type { AckMode, CommandRecord, QueueLimits } from '../lib/c2d/types';
import { createActiveCopyOfTable } from './support/emulatorResources';
import { hubInfo, resourceName } from './support/hub';

/** Answers the next `lose` DeleteItem requests with a reset connection after dynalite applied them. */
class LosingHandler extends NodeHttpHandler {
  lose = 0;
  deletesSent = 0;

  override async handle(...[request, options]: Parameters<NodeHttpHandler['handle']>): ReturnType<NodeHttpHandler['handle']> {
    const isDelete = request.headers['x-amz-target'] === 'DynamoDB_20120810.DeleteItem';
    if (isDelete) this.deletesSent++;
    const out = await super.handle(request, options);
    if (isDelete && this.lose > 0) {
      this.lose--;
      (out.response.body as NodeJS.ReadableStream).resume(); // drain it: the socket goes back to the pool
      throw Object.assign(new Error('injected: connection reset after DynamoDB applied the delete'), { code: 'ECONNRESET' });
    }
    return out;
  }
}

hubInfo();
const handler = new LosingHandler();
const raw = new DynamoDBClient({ requestHandler: handler });
const dynamo = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
const table = `${resourceName('C2D_TABLE')}-ds-${randomBytes(4).toString('hex')}`;
const LIMITS: QueueLimits = { maxDeliveryCount: 10, maxQueueDepth: 1, outboxGraceMs: 1000 };
const inAnHour = () => Date.now() + 3600_000;

beforeAll(() => createActiveCopyOfTable(raw, resourceName('C2D_TABLE'), table));

afterAll(async () => {
  await raw.send(new DeleteTableCommand({ TableName: table })).catch(() => undefined);
  raw.destroy();
});

let settledSpy: jest.SpyInstance;
beforeEach(() => (settledSpy = jest.spyOn(metrics, 'c2dSettled')));
afterEach(() => settledSpy.mockRestore());

interface Write {
  op: string;
  item: 'meta' | 'record';
  update?: string;
  condition?: string;
}

/** The store over a client that logs every write and can fail the next release ("DELETE pending"). */
function recordingStore() {
  const writes: Write[] = [];
  const faults = { failReleases: 0 };
  const client = {
    send: (command: {
      constructor: { name: string };
      input: { Key?: { sk?: string }; UpdateExpression?: string; ConditionExpression?: string };
    }) => {
      const op = command.constructor.name.replace(/Command$/, '');
      if (op === 'Put' || op === 'Update' || op === 'Delete') {
        const { Key, UpdateExpression, ConditionExpression } = command.input;
        writes.push({
          op,
          item: Key?.sk === 'meta' ? 'meta' : 'record',
          ...(UpdateExpression ? { update: UpdateExpression } : {}),
          ...(ConditionExpression ? { condition: ConditionExpression } : {}),
        });
        if (faults.failReleases > 0 && UpdateExpression?.startsWith('DELETE pending')) {
          faults.failReleases--;
          return Promise.reject(new Error('injected: process died before releasing'));
        }
      }
      return dynamo.send(command as never);
    },
  } as unknown as DynamoDBDocumentClient; // only `send` is used by the store
  return { store: new DynamoQueueStore(client, table), writes, faults };
}

function device(prefix: string): DeviceRef {
  return { deviceId: `${prefix}-${randomBytes(4).toString('hex')}`, generationId: 'gen-1' };
}

async function sendAndReceive(queue: CommandQueue, dev: DeviceRef, ack: AckMode): Promise<CommandRecord & { lockToken: string }> {
  await queue.send(dev, { messageId: `m-${ack}`, ack, properties: {} }, Buffer.alloc(1024, 1), inAnHour());
  const msg = await queue.receive(dev, 30_000);
  if (!msg?.lockToken) throw new Error('nothing received');
  return { ...msg, lockToken: msg.lockToken };
}

describe('the writes of each settle path (what cost/usage.ts bills)', () => {
  it('complete with ack none: one conditional delete of the record and one meta update; no record update', async () => {
    const { store, writes } = recordingStore();
    const queue = new CommandQueue(store, new MemoryFeedback(), LIMITS);
    const dev = device('ds-none');
    const msg = await sendAndReceive(queue, dev, 'none');
    // The lock of a delivery that is not the last keeps the sweep time: the index is not re-keyed.
    const lockWrite = writes.find((w) => w.op === 'Update' && w.item === 'record');
    expect(lockWrite?.update).not.toMatch(/sweepAt/);
    writes.length = 0;
    await queue.settleByDevice(dev.deviceId, msg.lockToken, 'complete');
    expect(writes).toEqual([
      { op: 'Delete', item: 'record', condition: '#version = :expected' },
      { op: 'Update', item: 'meta', update: 'DELETE pending :seqs', condition: 'attribute_exists(sk)' },
    ]);
    expect(settledSpy.mock.calls).toEqual([['Success']]);
    expect(await store.get(dev.deviceId, msg.sequenceNumber)).toBeUndefined();
    expect(await store.pending(dev.deviceId)).toEqual([]);
  });

  it('complete with ack full keeps the outbox: Settled (re-keying the sweep index), release, delete', async () => {
    const { store, writes } = recordingStore();
    const feedback = new MemoryFeedback();
    const queue = new CommandQueue(store, feedback, LIMITS);
    const dev = device('ds-full');
    const msg = await sendAndReceive(queue, dev, 'full');
    writes.length = 0;
    await queue.settleByDevice(dev.deviceId, msg.lockToken, 'complete');
    expect(writes.map((w) => [w.op, w.item])).toEqual([
      ['Update', 'record'],
      ['Update', 'meta'],
      ['Delete', 'record'],
    ]);
    expect(writes[0]?.update).toMatch(/#sweepAt = :sweepAt/);
    expect(feedback.published.map((f) => f.statusCode)).toEqual(['Success']);
  });

  it('the lock of the last delivery re-keys the sweep index (the sweeper must look when it lapses)', async () => {
    const { store, writes } = recordingStore();
    const queue = new CommandQueue(store, new MemoryFeedback(), { ...LIMITS, maxDeliveryCount: 1 });
    const dev = device('ds-final');
    await queue.send(dev, { messageId: 'f', ack: 'none', properties: {} }, Buffer.from('x'), inAnHour());
    writes.length = 0;
    const msg = await queue.receive(dev, 30_000);
    expect(writes.filter((w) => w.item === 'record').map((w) => w.update)).toEqual([expect.stringMatching(/#sweepAt = :sweepAt/)]);
    expect((await store.get(dev.deviceId, msg?.sequenceNumber ?? -1))?.sweepAtMs).toBe(msg?.lockedUntilMs);
  });
});

describe('a crash between the delete and the release', () => {
  it('the device gets its success; the slot holds the depth until the next receive releases it', async () => {
    const { store, faults } = recordingStore();
    const queue = new CommandQueue(store, new MemoryFeedback(), LIMITS);
    const dev = device('ds-crash');
    const msg = await sendAndReceive(queue, dev, 'none');
    faults.failReleases = 1;
    await expect(queue.settleByDevice(dev.deviceId, msg.lockToken, 'complete')).resolves.toMatchObject({ outcome: 'Success' });
    expect(await store.get(dev.deviceId, msg.sequenceNumber)).toBeUndefined();
    expect(await store.pending(dev.deviceId)).toEqual([msg.sequenceNumber]);
    expect(await queue.list(dev.deviceId)).toEqual([]);
    await expect(
      queue.send(dev, { messageId: 'refused', ack: 'none', properties: {} }, Buffer.from('x'), inAnHour()),
    ).rejects.toBeInstanceOf(QueueDepthExceededError);
    expect(await queue.receive(dev, 30_000)).toBeUndefined();
    expect(await store.pending(dev.deviceId)).toEqual([]);
    await queue.send(dev, { messageId: 'accepted', ack: 'none', properties: {} }, Buffer.from('x'), inAnHour());
    expect((await queue.receive(dev, 30_000))?.messageId).toBe('accepted');
    expect(settledSpy).toHaveBeenCalledTimes(1);
  });
});

describe('a delete whose response was lost', () => {
  it('the SDK retries, the condition fails on the missing item, and it is still the device success, counted once', async () => {
    const store = new DynamoQueueStore(dynamo, table);
    const queue = new CommandQueue(store, new MemoryFeedback(), LIMITS);
    const dev = device('ds-lost');
    const msg = await sendAndReceive(queue, dev, 'none');
    const sentBefore = handler.deletesSent;
    handler.lose = 1;
    await expect(queue.settleByDevice(dev.deviceId, msg.lockToken, 'complete')).resolves.toMatchObject({ outcome: 'Success' });
    expect(handler.deletesSent - sentBefore).toBe(2); // the original and the SDK's retry
    expect(settledSpy.mock.calls).toEqual([['Success']]);
    expect(await store.get(dev.deviceId, msg.sequenceNumber)).toBeUndefined();
    expect(await store.pending(dev.deviceId)).toEqual([]);
  });

  it('without a retry a failed condition is the truth: of concurrent completes with one token exactly one wins', async () => {
    const queue = new CommandQueue(new DynamoQueueStore(dynamo, table), new MemoryFeedback(), LIMITS);
    const dev = device('ds-race');
    const msg = await sendAndReceive(queue, dev, 'none');
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => queue.settleByDevice(dev.deviceId, msg.lockToken, 'complete')),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof LockLostError)).toHaveLength(9);
    expect(settledSpy).toHaveBeenCalledTimes(1);
  });
});
