/** Commands over a socket with fake ports (no I/O): slots, gone sockets, failed pushes, settle errors. */
import { LockLostError } from '../c2d/errors';
import type { CommandRecord } from '../c2d/types';
import { ConnectionGoneError, type CommandSlots, type Connection, type FrameSink } from './ports';
import { pushToConnectedDevice, SocketCommandChannel } from './socketCommands';

const conn: Connection = { deviceId: 'd1', connectionId: 'c1', generationId: 'g1', connectedAt: '', endpoint: 'https://ws', ttl: 0 };

function command(n: number): CommandRecord {
  return {
    deviceId: 'd1',
    deviceGenerationId: 'g1',
    messageId: `m${n}`,
    sequenceNumber: n,
    enqueuedAtMs: 0,
    expiresAtMs: 1e13,
    state: 'Invisible',
    deliveryCount: 1,
    version: 1,
    lockToken: `lock${n}`,
    lockedUntilMs: 1e13,
    sweepAtMs: 0,
    ack: 'none',
    properties: {},
    body: Buffer.from('x'),
  } as CommandRecord;
}

function setup(opts: { pending?: number; post?: FrameSink['post']; status?: string } = {}) {
  let pending = opts.pending ?? 0;
  let next = 1;
  const settled: string[] = [];
  const posted: unknown[] = [];
  const closed: string[] = [];
  const removed: string[] = [];
  const slotState = { connectionId: 'c1', slots: {} as Record<string, number>, version: 0 };
  const store: CommandSlots = {
    current: async () => conn,
    remove: async (c) => (removed.push(c.connectionId), true),
    slots: async () => ({ ...slotState, slots: { ...slotState.slots } }),
    replaceSlots: async (_d, _c, slots, version) => {
      if (version !== slotState.version) return false;
      slotState.slots = slots;
      slotState.version++;
      return true;
    },
  };
  const sink: FrameSink = {
    post: opts.post ?? (async (_e, _c, frame) => void posted.push(frame)),
    close: async (_e, c) => void closed.push(c),
  };
  const channel = new SocketCommandChannel({
    commands: {
      receive: async () => (pending-- > 0 ? command(next++) : undefined),
      settleByDevice: async (_d, lockToken, action) => {
        if (lockToken === 'lost') throw new LockLostError('lost');
        settled.push(`${action}:${lockToken}`);
        return command(0);
      },
    },
    store,
    sink,
    maxInFlight: 2,
    lockMs: 60_000,
    registered: async () => ({ status: opts.status ?? 'enabled', generationId: 'g1' }),
    now: () => 1000,
  });
  return { channel, store, settled, posted, closed, removed, slotState };
}

describe('SocketCommandChannel', () => {
  it('pushes pending commands up to the in-flight limit and holds a slot per lock', async () => {
    const { channel, posted, slotState } = setup({ pending: 5 });
    await channel.pushPending(conn);
    expect(posted.map((f) => (f as { messageId: string }).messageId)).toEqual(['m1', 'm2']);
    expect(Object.keys(slotState.slots).sort()).toEqual(['lock1', 'lock2']);
  });

  it('closes the socket of a disabled device and pushes nothing', async () => {
    const { channel, posted, closed } = setup({ pending: 1, status: 'disabled' });
    await channel.pushPending(conn);
    expect(posted).toEqual([]);
    expect(closed).toEqual(['c1']);
  });

  it('a gone socket: the command goes back to the queue, the connection is forgotten, nothing throws', async () => {
    const { channel, settled, removed, slotState } = setup({
      pending: 1,
      post: async (_e, c) => {
        throw new ConnectionGoneError(c);
      },
    });
    await channel.pushPending(conn);
    expect(settled).toEqual(['abandon:lock1']);
    expect(removed).toEqual(['c1']);
    expect(slotState.slots).toEqual({});
  });

  it('any other push failure: the command goes back to the queue and the error propagates', async () => {
    const { channel, settled, removed } = setup({
      pending: 1,
      post: async () => {
        throw new Error('throttled');
      },
    });
    await expect(channel.pushPending(conn)).rejects.toThrow('throttled');
    expect(settled).toEqual(['abandon:lock1']);
    expect(removed).toEqual([]);
  });

  it('settle answers a settled frame, or a nack carrying the lock token when the lock is lost; the slot is freed either way', async () => {
    const { channel, slotState } = setup();
    slotState.slots = { lock1: 5000, lost: 5000 };
    await expect(channel.settle(conn, 'complete', 'lock1')).resolves.toMatchObject({
      type: 'settled',
      action: 'complete',
      lockToken: 'lock1',
    });
    await expect(channel.settle(conn, 'complete', 'lost')).resolves.toMatchObject({
      type: 'nack',
      status: 412,
      code: 'DeviceMessageLockLost',
      lockToken: 'lost',
    });
    expect(slotState.slots).toEqual({});
  });
});

describe('pushToConnectedDevice', () => {
  it('never throws: the command is queued already', async () => {
    const { store } = setup();
    const failing = { pushPending: async () => Promise.reject(new Error('boom')), settle: async () => undefined };
    await expect(pushToConnectedDevice(store, failing, 'd1')).resolves.toBeUndefined();
  });
});
