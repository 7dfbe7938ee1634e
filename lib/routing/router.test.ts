/** The router with fake ports (no I/O): delivery, dead-lettering and what a batch reports as failed. */
import type { DeadLetter } from './deadLetter';
import type { EntryFailure } from './delivery';
import type { EndpointHealth, RoutingConfig } from './model';
import type { OutgoingMessage } from './outgoing';
import { Router, type EndpointSender, type RouterDeps } from './router';
import { config, endpoint, envelope, route } from './testkit';

const record = (id: string, data: Buffer | object) => ({
  id,
  eventId: `shard-1:${id}`,
  data: Buffer.isBuffer(data) ? data : Buffer.from(JSON.stringify(data)),
});

function fakes(cfg: RoutingConfig, send: (batch: OutgoingMessage[]) => Promise<Map<number, EntryFailure>>) {
  const written: DeadLetter[] = [];
  const health: EndpointHealth[] = [];
  let unwritable = false;
  const sender: EndpointSender = { send, split: (m) => [[...m]], isPoison: (err) => (err as Error).name === 'Poison' };
  const deps: RouterDeps = {
    loadConfig: async () => ({ config: cfg, health: [] }),
    putHealth: async (h) => void health.push(h),
    tags: { load: async () => undefined, lookup: () => undefined },
    senderFor: () => sender,
    deadLetters: {
      write: async (letters) => {
        if (unwritable) return new Set(letters.map((_, i) => i));
        written.push(...letters);
        return new Set<number>();
      },
    },
    hubName: 'hub',
    cacheTtlMs: 60_000,
    maxAttempts: 3,
    retryBaseDelayMs: 1,
    deadAfterFailures: 2,
    sleep: async () => undefined,
  };
  return { router: new Router(deps), written, health, breakDeadLetterQueue: () => (unwritable = true) };
}

const toQueue = config({ endpoints: [endpoint('q')], routes: [route('all', 'q', 'true')] });

describe('Router.routeBatch', () => {
  it('delivers every matching record and reports nothing failed', async () => {
    const sent: OutgoingMessage[] = [];
    const { router, written } = fakes(toQueue, async (batch) => {
      sent.push(...batch);
      return new Map();
    });
    const result = await router.routeBatch([record('1', envelope()), record('2', envelope())]);
    expect(result).toEqual({ failedRecordIds: [], delivered: 2, deadLettered: 0 });
    expect(sent).toHaveLength(2);
    expect(written).toEqual([]);
  });

  it('dead-letters a malformed record instead of failing the batch', async () => {
    const { router, written } = fakes(toQueue, async () => new Map());
    const result = await router.routeBatch([record('1', Buffer.from('not json')), record('2', envelope())]);
    expect(result.failedRecordIds).toEqual([]);
    expect(result.deadLettered).toBe(1);
    expect(written).toHaveLength(1);
  });

  it('dead-letters copies an endpoint keeps failing, with the reason, after its retries', async () => {
    let calls = 0;
    const { router, written } = fakes(toQueue, async () => {
      calls++;
      throw Object.assign(new Error('queue gone'), { name: 'QueueDoesNotExist' });
    });
    const result = await router.routeBatch([record('1', envelope())]);
    expect(calls).toBe(3);
    expect(result).toEqual({ failedRecordIds: [], delivered: 0, deadLettered: 1 });
    expect(written[0]).toMatchObject({ endpoint: 'q', reason: 'EndpointUnavailable' });
  });

  it('dead-letters a message the endpoint refuses for its content at once (no retries)', async () => {
    let calls = 0;
    const { router, written } = fakes(toQueue, async (batch) => {
      calls++;
      return new Map(batch.map((_, i) => [i, { error: 'too large', permanent: true }]));
    });
    await router.routeBatch([record('1', envelope())]);
    expect(calls).toBe(1);
    expect(written[0]).toMatchObject({ reason: 'MessageRejected' });
  });

  it('reports as failed exactly the records whose dead letter could not be written (they are retried, not lost)', async () => {
    const { router, breakDeadLetterQueue } = fakes(
      toQueue,
      async (batch) => new Map(batch.map((_, i) => [i, { error: 'x', permanent: true }])),
    );
    breakDeadLetterQueue();
    const result = await router.routeBatch([record('1', envelope()), record('2', Buffer.from('{'))]);
    expect(result.failedRecordIds.sort()).toEqual(['1', '2']);
    expect(result.deadLettered).toBe(0);
  });

  it('records an endpoint as dead after repeated failures', async () => {
    const { router, health } = fakes(toQueue, async () => {
      throw new Error('down');
    });
    await router.routeBatch([record('1', envelope())]);
    await router.routeBatch([record('2', envelope())]);
    expect(health.at(-1)).toMatchObject({ endpoint: 'q', status: 'dead' });
  });
});
