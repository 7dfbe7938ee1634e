/** A device deleted and re-created under the same id: generation mismatches in receive. */
import { CommandQueue } from './commandQueue';
import { StaleDeviceError } from './errors';
import { MemoryFeedback, MemoryStore } from './memoryStore';

const LIMITS = { maxDeliveryCount: 3, maxQueueDepth: 10, outboxGraceMs: 1000 };
const content = (messageId: string) => ({ messageId, ack: 'full' as const, properties: {} });
const OLD = { deviceId: 'dev', generationId: 'gen-1' };
const NEW = { deviceId: 'dev', generationId: 'gen-2' };

function setup(registered: string | undefined) {
  const store = new MemoryStore();
  const feedback = new MemoryFeedback();
  let lookups = 0;
  const queue = new CommandQueue(store, feedback, LIMITS, {
    currentGeneration: async () => {
      lookups++;
      return registered;
    },
  });
  return { queue, feedback, lookups: () => lookups };
}

const expiry = () => Date.now() + 60_000;

describe('generation mismatches in receive', () => {
  it('a receiver holding a stale generation never settles the current generation’s command', async () => {
    const { queue, feedback } = setup('gen-2');
    await queue.send(NEW, content('new'), Buffer.from('x'), expiry());
    await expect(queue.receive(OLD, 5000)).rejects.toBeInstanceOf(StaleDeviceError);
    expect(feedback.published).toEqual([]);
    const got = await queue.receive(NEW, 5000);
    expect(got?.messageId).toBe('new');
  });

  it('purges a command of an earlier generation once the registry confirms it is not current', async () => {
    const { queue, feedback, lookups } = setup('gen-2');
    await queue.send(OLD, content('old-1'), Buffer.from('x'), expiry());
    await queue.send(OLD, content('old-2'), Buffer.from('x'), expiry());
    await queue.send(NEW, content('new'), Buffer.from('x'), expiry());
    const got = await queue.receive(NEW, 5000);
    expect(got?.messageId).toBe('new');
    expect(feedback.published.map((f) => [f.originalMessageId, f.statusCode, f.deviceGenerationId])).toEqual([
      ['old-1', 'Purged', 'gen-1'],
      ['old-2', 'Purged', 'gen-1'],
    ]);
    expect(lookups()).toBe(1); // one registry read per receive, however many old records
  });

  it('without a registry lookup, a mismatched record is skipped, never settled', async () => {
    const store = new MemoryStore();
    const feedback = new MemoryFeedback();
    const queue = new CommandQueue(store, feedback, LIMITS);
    await queue.send(NEW, content('new'), Buffer.from('x'), expiry());
    expect(await queue.receive(OLD, 5000)).toBeUndefined();
    expect(feedback.published).toEqual([]);
    expect((await queue.receive(NEW, 5000))?.messageId).toBe('new');
  });
});
