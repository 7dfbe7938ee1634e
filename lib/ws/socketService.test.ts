/**
 * SocketService with fake ports (connection store, frame sink, event stream, telemetry,
 * authenticator, commands): connect refusals and replacement, disconnect events, every frame
 * outcome (unknown connection, revoked, throttled, invalid, send acks and nacks, commands) and
 * the sweep.
 */
import type { Envelope } from '../envelope';
import { HubError, ThrottledError, UnauthorizedError } from '../errors';
import type { Device } from '../registry/device';
import { buildSasToken, deviceResource } from '../sas';
import type { Connection, SocketConnections } from './ports';
import { keyFingerprint } from './socketAuth';
import { SocketService, type SocketCommands } from './socketService';

const key = (c: string) => Buffer.alloc(32, c).toString('base64');
const NOW = new Date('2026-12-01T12:00:00.000Z');
const NOW_S = NOW.getTime() / 1000;
const ENDPOINT = 'https://ws.example.test/dev';

function device(over: Partial<Device> = {}): Device {
  return {
    deviceId: 'd1',
    generationId: 'g1',
    etag: 'e',
    status: 'enabled',
    authentication: { type: 'sas', symmetricKey: { primaryKey: key('p'), secondaryKey: key('s') } },
    ...over,
  } as Device;
}

const tokenFor = (deviceId: string, expiry = NOW_S + 3600, k = key('p')) =>
  buildSasToken({ resource: deviceResource('hub.example.test', deviceId), keyBase64: k, expiry });

function connection(over: Partial<Connection> = {}): Connection {
  return {
    deviceId: 'd1',
    connectionId: 'c1',
    generationId: 'g1',
    connectedAt: NOW.toISOString(),
    endpoint: ENDPOINT,
    ttl: NOW_S + 7200,
    tokenExpiry: NOW_S + 3600,
    keyFingerprint: keyFingerprint(key('p')),
    ...over,
  };
}

class FakeConnections implements SocketConnections {
  byId = new Map<string, Connection>();
  current_ = new Map<string, Connection>();
  sequence = 0;
  stateChanges: string[] = [];
  register = jest.fn((conn: Omit<Connection, 'ttl'>) => {
    const previous = this.current_.get(conn.deviceId);
    const full = { ...conn, ttl: NOW_S + 7200 };
    this.current_.set(conn.deviceId, full);
    this.byId.set(conn.connectionId, full);
    return Promise.resolve(previous);
  });
  byConnectionId = jest.fn((id: string) => Promise.resolve(this.byId.get(id)));
  current = (deviceId: string) => Promise.resolve(this.current_.get(deviceId));
  remove = jest.fn((conn: Pick<Connection, 'deviceId' | 'connectionId'>) => {
    this.byId.delete(conn.connectionId);
    const wasCurrent = this.current_.get(conn.deviceId)?.connectionId === conn.connectionId;
    if (wasCurrent) this.current_.delete(conn.deviceId);
    return Promise.resolve(wasCurrent);
  });
  async *all() {
    for (const c of [...this.byId.values()]) yield await Promise.resolve(c);
  }
  nextSequence = () => Promise.resolve(++this.sequence);
  markStateChange = (deviceId: string) => Promise.resolve(void this.stateChanges.push(deviceId));
}

function fakes(opts: { commands?: boolean } = { commands: true }) {
  const store = new FakeConnections();
  const posted: { endpoint: string; connectionId: string; frame: Record<string, unknown> }[] = [];
  const sink = {
    post: jest.fn((endpoint: string, connectionId: string, frame: unknown) =>
      Promise.resolve(void posted.push({ endpoint, connectionId, frame: frame as Record<string, unknown> })),
    ),
    close: jest.fn((_endpoint: string, _connectionId: string) => Promise.resolve()),
  };
  const events: Envelope[] = [];
  const auth = {
    authenticateDevice: jest.fn((authorization: string | undefined, deviceId: string) =>
      authorization?.includes(`devices%2F${deviceId}`) && !authorization.includes('bad')
        ? Promise.resolve(device({ deviceId }))
        : Promise.reject(new UnauthorizedError()),
    ),
    currentDevice: jest.fn((deviceId: string): Promise<Device | undefined> => Promise.resolve(device({ deviceId }))),
    forgetDevice: jest.fn(),
  };
  const telemetry = { accept: jest.fn((_device: Device, _messages: unknown[], _transport: string) => Promise.resolve()) };
  const commands: { [K in keyof SocketCommands]: jest.Mock } = {
    pushPending: jest.fn(() => Promise.resolve()),
    settle: jest.fn((_conn: Connection, action: string) => Promise.resolve({ type: 'settled', action })),
  };
  const limiter = { take: jest.fn() };
  const activity = jest.fn(() => Promise.resolve());
  const svc = new SocketService({
    hubName: 'hub',
    auth: auth as never,
    limiter,
    store,
    telemetry: telemetry as never,
    events: { putJson: (items) => Promise.resolve(void events.push(...items.map((i) => i.value as Envelope))) },
    sink,
    ...(opts.commands ? { commands: commands as unknown as SocketCommands } : {}),
    activity,
    now: () => NOW,
  });
  return { store, sink, posted, events, auth, telemetry, commands, limiter, activity, svc };
}

async function rejection(p: Promise<unknown>): Promise<HubError> {
  try {
    await p;
  } catch (err) {
    return err as HubError;
  }
  throw new Error('expected a rejection');
}

describe('SocketService.connect', () => {
  it('authenticates from the registry, registers the connection with its credential and emits deviceConnected', async () => {
    const { store, auth, events, svc } = fakes();
    const authorization = tokenFor('d1');
    await svc.connect('c1', authorization, ENDPOINT);
    expect(auth.forgetDevice).toHaveBeenCalledWith('d1');
    expect(auth.authenticateDevice).toHaveBeenCalledWith(authorization, 'd1');
    expect(store.byId.get('c1')).toMatchObject({
      deviceId: 'd1',
      generationId: 'g1',
      endpoint: ENDPOINT,
      tokenExpiry: NOW_S + 3600,
      keyFingerprint: keyFingerprint(key('p')),
    });
    expect(events).toHaveLength(1);
    expect(JSON.stringify(events[0])).toContain('deviceConnected');
    expect(store.stateChanges).toEqual(['d1']);
  });

  it.each([
    ['no token', undefined],
    ['not a SAS token', 'Bearer abc'],
    ['a resource that names no device', buildSasToken({ resource: 'hub.example.test', keyBase64: key('p'), expiry: NOW_S + 60 })],
    [
      'a resource with more segments',
      buildSasToken({ resource: 'hub.example.test/devices/d1/modules/m', keyBase64: key('p'), expiry: NOW_S + 60 }),
    ],
    [
      'a malformed escape in the device id',
      buildSasToken({ resource: 'hub.example.test/devices/%E0%A4%A', keyBase64: key('p'), expiry: NOW_S + 60 }),
    ],
  ])('refuses %s with 401 before any lookup', async (_what, authorization) => {
    const { auth, store, svc } = fakes();
    const err = await rejection(svc.connect('c1', authorization, ENDPOINT));
    expect([err.status, err.code]).toEqual([401, 'IotHubUnauthorizedAccess']);
    expect(auth.authenticateDevice).not.toHaveBeenCalled();
    expect(store.register).not.toHaveBeenCalled();
  });

  it('lets an authentication refusal through and registers nothing, emits nothing', async () => {
    const { store, events, svc } = fakes();
    const err = await rejection(svc.connect('c1', tokenFor('d1') + 'bad', ENDPOINT));
    expect(err.status).toBe(401);
    expect(store.register).not.toHaveBeenCalled();
    expect(events).toEqual([]);
  });

  it("closes the device's previous connection (the newer wins), even when closing it fails", async () => {
    const { sink, svc } = fakes();
    await svc.connect('c1', tokenFor('d1'), 'https://old.example.test/dev');
    sink.close.mockRejectedValueOnce(new Error('GoneException'));
    await svc.connect('c2', tokenFor('d1'), ENDPOINT);
    expect(sink.close).toHaveBeenCalledWith('https://old.example.test/dev', 'c1');
  });
});

describe('SocketService.disconnect', () => {
  it('forgets the current connection and emits deviceDisconnected', async () => {
    const { store, events, svc } = fakes();
    await svc.connect('c1', tokenFor('d1'), ENDPOINT);
    await svc.disconnect('c1');
    expect(store.byId.size).toBe(0);
    expect(events.map((e) => JSON.stringify(e).includes('deviceDisconnected'))).toEqual([false, true]);
  });

  it('emits nothing for a replaced connection or an unknown one', async () => {
    const { events, svc } = fakes();
    await svc.connect('c1', tokenFor('d1'), ENDPOINT);
    await svc.connect('c2', tokenFor('d1'), ENDPOINT);
    await svc.disconnect('c1');
    await svc.disconnect('nobody');
    expect(events.filter((e) => JSON.stringify(e).includes('deviceDisconnected'))).toEqual([]);
  });
});

describe('SocketService.frame', () => {
  async function connected(opts?: { commands?: boolean }) {
    const f = fakes(opts);
    f.store.byId.set('c1', connection());
    f.store.current_.set('d1', connection());
    return f;
  }

  it('answers a frame on an unknown connection with a 401 error frame to the given endpoint', async () => {
    const { posted, telemetry, svc } = fakes();
    await svc.frame('ghost', '{"action":"ping"}', ENDPOINT);
    expect(posted).toEqual([
      { endpoint: ENDPOINT, connectionId: 'ghost', frame: expect.objectContaining({ type: 'error', status: 401 }) as unknown },
    ]);
    expect(telemetry.accept).not.toHaveBeenCalled();
  });

  it.each([
    ['the token expired', connection({ tokenExpiry: NOW_S }), device(), 'TokenExpired'],
    ['the device was disabled', connection(), device({ status: 'disabled' }), 'DeviceDisabled'],
    ['the device was deleted', connection(), undefined, 'DeviceDeleted'],
    ['the device was re-created', connection(), device({ generationId: 'g2' }), 'DeviceDeleted'],
  ])(
    'revokes the connection when %s: closing frame with the reason, then close; the frame is not handled',
    async (_what, conn, current, reason) => {
      const { store, auth, posted, sink, telemetry, svc } = fakes();
      store.byId.set('c1', conn);
      auth.currentDevice.mockResolvedValueOnce(current);
      await svc.frame('c1', '{"action":"send","body":"x"}', ENDPOINT);
      expect(posted.map((p) => p.frame)).toEqual([expect.objectContaining({ type: 'closing', reason, status: 401 })]);
      expect(sink.close).toHaveBeenCalledWith(ENDPOINT, 'c1');
      expect(telemetry.accept).not.toHaveBeenCalled();
    },
  );

  it('answers a throttled device with a 429 error frame carrying retryAfterSeconds', async () => {
    const { limiter, posted, telemetry, activity, svc } = await connected();
    limiter.take.mockImplementationOnce(() => {
      throw new ThrottledError(3);
    });
    await svc.frame('c1', '{"action":"send","body":"x"}', ENDPOINT);
    expect(posted[0]?.frame).toMatchObject({ type: 'error', status: 429, code: 'ThrottlingException', retryAfterSeconds: 3 });
    expect(telemetry.accept).not.toHaveBeenCalled();
    expect(activity).toHaveBeenCalledWith('d1');
  });

  it('lets a limiter failure that is not a hub error through', async () => {
    const { limiter, svc } = await connected();
    limiter.take.mockImplementationOnce(() => {
      throw new Error('limiter bug');
    });
    await expect(svc.frame('c1', '{"action":"ping"}', ENDPOINT)).rejects.toThrow('limiter bug');
  });

  it('answers an unreadable frame with an error frame, and a bad send with a nack for its message id', async () => {
    const { posted, svc } = await connected();
    await svc.frame('c1', 'not json', ENDPOINT);
    await svc.frame('c1', '{"action":"send","messageId":"m1","properties":{"a":1}}', ENDPOINT);
    expect(posted.map((p) => p.frame)).toEqual([
      expect.objectContaining({ type: 'error', status: 400 }),
      expect.objectContaining({ type: 'nack', messageId: 'm1', status: 400 }),
    ]);
  });

  it('accepts a send over the socket transport and acks its message id; a batch acks every message', async () => {
    const { posted, telemetry, svc } = await connected();
    await svc.frame('c1', '{"action":"send","messageId":"m1","body":"hello"}', ENDPOINT);
    expect(telemetry.accept).toHaveBeenCalledWith(
      expect.objectContaining({ deviceId: 'd1' }),
      [expect.objectContaining({ body: Buffer.from('hello') })],
      'websocket',
    );
    await svc.frame('c1', '{"action":"sendBatch","messages":[{"messageId":"a","body":"1"},{"messageId":"b","body":"2"}]}', ENDPOINT);
    expect(posted.map((p) => p.frame)).toEqual([
      { type: 'ack', messageId: 'm1', status: 'ok' },
      { type: 'ack', messageId: 'a', status: 'ok' },
      { type: 'ack', messageId: 'b', status: 'ok' },
    ]);
  });

  it('nacks every message of a send the stream refused: a hub error with its code, anything else as a 500 that reveals nothing', async () => {
    const { posted, telemetry, svc } = await connected();
    telemetry.accept.mockRejectedValueOnce(new ThrottledError(1));
    await svc.frame('c1', '{"action":"sendBatch","messages":[{"messageId":"a"},{"messageId":"b"}]}', ENDPOINT);
    telemetry.accept.mockRejectedValueOnce(new Error('Kinesis stream devhub-events-secret'));
    await svc.frame('c1', '{"action":"send","messageId":"c"}', ENDPOINT);
    expect(posted.map((p) => [p.frame.type, p.frame.messageId, p.frame.status, p.frame.code])).toEqual([
      ['nack', 'a', 429, 'ThrottlingException'],
      ['nack', 'b', 429, 'ThrottlingException'],
      ['nack', 'c', 500, 'ServerError'],
    ]);
    expect(JSON.stringify(posted)).not.toContain('secret');
  });

  it('answers ping with pong', async () => {
    const { posted, svc } = await connected();
    await svc.frame('c1', '{"action":"ping"}', ENDPOINT);
    expect(posted.map((p) => p.frame)).toEqual([{ type: 'pong' }]);
  });

  it('pushes pending commands on receive; settles, replies and pushes again on complete/reject/abandon', async () => {
    const { commands, posted, svc } = await connected();
    await svc.frame('c1', '{"action":"receive"}', ENDPOINT);
    expect(commands.pushPending).toHaveBeenCalledWith(expect.objectContaining({ connectionId: 'c1' }));
    await svc.frame('c1', '{"action":"reject","lockToken":"lk"}', ENDPOINT);
    expect(commands.settle).toHaveBeenCalledWith(expect.objectContaining({ connectionId: 'c1' }), 'reject', 'lk');
    expect(posted.map((p) => p.frame)).toEqual([{ type: 'settled', action: 'reject' }]);
    expect(commands.pushPending).toHaveBeenCalledTimes(2);
  });

  it('answers command frames with 501 NotImplemented when the hub has no command channel', async () => {
    const { posted, svc } = await connected({ commands: false });
    await svc.frame('c1', '{"action":"receive"}', ENDPOINT);
    await svc.frame('c1', '{"action":"complete","lockToken":"lk"}', ENDPOINT);
    expect(posted.map((p) => [p.frame.status, p.frame.code])).toEqual([
      [501, 'NotImplemented'],
      [501, 'NotImplemented'],
    ]);
  });
});

describe('SocketService.sweep', () => {
  it('closes only the connections whose authentication no longer holds, and counts them, even when a close fails', async () => {
    const { store, auth, sink, svc } = fakes();
    store.byId.set('ok', connection({ connectionId: 'ok', deviceId: 'd-ok' }));
    store.byId.set('expired', connection({ connectionId: 'expired', deviceId: 'd-exp', tokenExpiry: NOW_S - 1 }));
    store.byId.set('gone', connection({ connectionId: 'gone', deviceId: 'd-gone' }));
    store.byId.set('rekeyed', connection({ connectionId: 'rekeyed', deviceId: 'd-key', keyFingerprint: keyFingerprint(key('old')) }));
    auth.currentDevice.mockImplementation((deviceId: string) => Promise.resolve(deviceId === 'd-gone' ? undefined : device({ deviceId })));
    sink.close.mockImplementation((_e: string, id: string) =>
      id === 'gone' ? Promise.reject(new Error('close failed')) : Promise.resolve(),
    );
    expect(await svc.sweep()).toBe(3);
    expect(sink.close.mock.calls.map((c) => c[1]).sort()).toEqual(['expired', 'gone', 'rekeyed']);
  });
});
