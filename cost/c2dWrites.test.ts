/**
 * The C2D write units the model bills (cost/assumptions.json c2d.writes) are the writes the code
 * makes: the command queue runs each step of a command's life over an in-memory store that counts
 * what DynamoDB would bill for the same calls of lib/adapters/aws/c2d/dynamoStore.ts (record puts,
 * updates and deletes; the small meta item; the KEYS_ONLY sweep index: an entry put on insert,
 * deleted on delete, re-keyed (delete + put) by an update that changes sweepAt and untouched by
 * one that does not, which the DynamoDB store leaves sweepAt out of; test/c2d.directSettle.test.ts
 * checks that store's requests against dynalite).
 */
import shippedAssumptions from './assumptions.json';
import { c2dWriteUnitsPerCommand } from './usage';
import type { C2dWriteStep } from './types';
import { CommandQueue } from '../lib/c2d/commandQueue';
import { MemoryFeedback, MemoryStore } from '../lib/c2d/memoryStore';
import type { AckMode, CommandRecord } from '../lib/c2d/types';

class CountingStore extends MemoryStore {
  counted: C2dWriteStep = { meta: 0, item: 0, index: 0 };

  take(): C2dWriteStep {
    const out = this.counted;
    this.counted = { meta: 0, item: 0, index: 0 };
    return out;
  }

  override async nextSequence(deviceId: string) {
    this.counted.meta++;
    return super.nextSequence(deviceId);
  }
  override async reserve(deviceId: string, sequenceNumber: number, maxDepth: number) {
    this.counted.meta++;
    return super.reserve(deviceId, sequenceNumber, maxDepth);
  }
  override async release(deviceId: string, sequenceNumbers: readonly number[]) {
    this.counted.meta++;
    return super.release(deviceId, sequenceNumbers);
  }
  override async insert(record: CommandRecord) {
    this.counted.item++;
    this.counted.index++;
    return super.insert(record);
  }
  override async replace(next: CommandRecord, read: Pick<CommandRecord, 'version' | 'sweepAtMs'>) {
    this.counted.item++;
    if (next.sweepAtMs !== read.sweepAtMs) this.counted.index += 2;
    return super.replace(next, read);
  }
  override async remove(deviceId: string, sequenceNumber: number, expectedVersion?: number) {
    this.counted.item++;
    this.counted.index++;
    return super.remove(deviceId, sequenceNumber, expectedVersion);
  }
  override async removeIfVersion(deviceId: string, sequenceNumber: number, expectedVersion: number) {
    this.counted.item++;
    this.counted.index++;
    return super.removeIfVersion(deviceId, sequenceNumber, expectedVersion);
  }
}

const sum = (...steps: C2dWriteStep[]): C2dWriteStep => ({
  meta: steps.reduce((n, s) => n + s.meta, 0),
  item: steps.reduce((n, s) => n + s.item, 0),
  index: steps.reduce((n, s) => n + s.index, 0),
});

/** One command's life, the writes of each step counted. */
async function lifeOf(ack: AckMode) {
  const store = new CountingStore();
  // lib/config.ts defaults: 10 deliveries, 50 pending.
  const queue = new CommandQueue(store, new MemoryFeedback(), { maxDeliveryCount: 10, maxQueueDepth: 50, outboxGraceMs: 60_000 });
  const device = { deviceId: 'd', generationId: 'g' };
  await queue.send(device, { messageId: 'm', ack, properties: {} }, Buffer.alloc(1024), Date.now() + 3600_000);
  const send = store.take();
  const msg = await queue.receive(device, 60_000);
  const lock = store.take();
  await queue.settleByDevice(device.deviceId, msg?.lockToken ?? '', 'complete');
  const settle = store.take();
  expect(store.snapshot('d')).toEqual({ pending: [], records: [] });
  return { send, lock, settle };
}

describe('C2D write units per command follow the code path', () => {
  const writes = shippedAssumptions.c2d.writes;
  const { note: _note, ...steps } = writes;

  it('send, lock and a settle without feedback (delete + release) are what the model bills', async () => {
    const life = await lifeOf('none');
    expect(life.send).toEqual(steps.send);
    expect(life.lock).toEqual(steps.lock);
    expect(life.settle).toEqual(sum(steps.delete, steps.release));
  });

  it('a settle with feedback due adds the Settled outbox write', async () => {
    const life = await lifeOf('full');
    expect(life.send).toEqual(steps.send);
    expect(life.lock).toEqual(steps.lock);
    expect(life.settle).toEqual(sum(steps.settled, steps.release, steps.delete));
  });

  it('a 1 KB command (a 2 WRU record) costs 11 write units without feedback and 15 with it', () => {
    expect(c2dWriteUnitsPerCommand(steps, 2, 0)).toBe(11);
    expect(c2dWriteUnitsPerCommand(steps, 2, 1)).toBe(15);
    expect(c2dWriteUnitsPerCommand(steps, 2, 0.25)).toBe(12);
  });
});
