/** The service side of C2D with fake ports (no I/O): the device check comes first, the push after the durable send. */
import { BadRequestError, NotFoundError } from '../errors';
import { createDevice, type Device } from '../registry/device';
import { ServiceCommands, type ServiceCommandsDeps } from './serviceCommands';
import type { CommandRecord } from './types';

const NOW = new Date('2026-12-01T12:00:00.000Z');

function setup(over: { push?: ServiceCommandsDeps['pushToDevice']; send?: () => Promise<CommandRecord> } = {}) {
  const devices = new Map<string, Device>([['d1', createDevice('d1', {}, NOW)]]);
  const calls: string[] = [];
  const deps: ServiceCommandsDeps = {
    requireDevice: async (id) => {
      calls.push(`require ${id}`);
      const device = devices.get(id);
      if (!device) throw new NotFoundError(`Device ${id} not found`, 'DeviceNotFound');
      return device;
    },
    queue: {
      send: async (device) => {
        calls.push(`send ${device.deviceId}`);
        if (over.send) return over.send();
        return { deviceId: device.deviceId, sequenceNumber: 1 } as CommandRecord;
      },
      purge: async (id) => {
        calls.push(`purge ${id}`);
        return 3;
      },
      list: async (id) => {
        calls.push(`list ${id}`);
        return [];
      },
    },
    pushToDevice:
      over.push ??
      (async (id) => {
        calls.push(`push ${id}`);
      }),
  };
  return { commands: new ServiceCommands(deps), calls };
}

const request = {
  content: { messageId: 'm1', ack: 'none' as const, properties: {} },
  body: Buffer.from('x'),
  expiresAtMs: NOW.getTime() + 60_000,
};

describe('ServiceCommands', () => {
  it('sends to a registered device durably, then offers it to the device socket', async () => {
    const { commands, calls } = setup();
    await expect(commands.send('d1', request)).resolves.toMatchObject({ deviceId: 'd1', sequenceNumber: 1 });
    expect(calls).toEqual(['require d1', 'send d1', 'push d1']);
  });

  it('refuses an unknown device with 404 before the queue is touched', async () => {
    const { commands, calls } = setup();
    await expect(commands.send('nobody', request)).rejects.toBeInstanceOf(NotFoundError);
    await expect(commands.purge('nobody')).rejects.toBeInstanceOf(NotFoundError);
    await expect(commands.list('nobody')).rejects.toBeInstanceOf(NotFoundError);
    expect(calls).toEqual(['require nobody', 'require nobody', 'require nobody']);
  });

  it('refuses an invalid device id with 400 before reading the registry', async () => {
    const { commands, calls } = setup();
    await expect(commands.send('bad id/', request)).rejects.toBeInstanceOf(BadRequestError);
    await expect(commands.purge('')).rejects.toBeInstanceOf(BadRequestError);
    await expect(commands.list('bad id/')).rejects.toBeInstanceOf(BadRequestError);
    expect(calls).toEqual([]);
  });

  it('does not push when the send fails (nothing was queued), and the error reaches the caller', async () => {
    const { commands, calls } = setup({ send: () => Promise.reject(new Error('queue full')) });
    await expect(commands.send('d1', request)).rejects.toThrow('queue full');
    expect(calls).toEqual(['require d1', 'send d1']);
  });

  it('purges and lists only after the device check', async () => {
    const { commands, calls } = setup();
    await expect(commands.purge('d1')).resolves.toBe(3);
    await expect(commands.list('d1')).resolves.toEqual([]);
    expect(calls).toEqual(['require d1', 'purge d1', 'require d1', 'list d1']);
  });
});
