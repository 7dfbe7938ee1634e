import { completeEnv } from '../configTestkit';
import { parseConfig } from '../config';
import { lockTokenSequence, newLockToken } from './lockToken';
import { enqueue, lock } from './stateMachine';
import { lockTimeoutMs, parseSendRequest, receiveHeaders, unquoteLockToken } from './wire';

const c2d = parseConfig(completeEnv).c2d;
const NOW = Date.parse('2026-01-01T00:00:00Z');

describe('send request', () => {
  it('reads system headers, application properties, ack and expiry', () => {
    const r = parseSendRequest(
      {
        'iothub-messageid': 'm',
        'iothub-correlationid': 'c',
        'iothub-userid': 'u',
        'iothub-ack': 'FULL',
        'iothub-expiry': '2026-01-01T00:10:00Z',
        'iothub-app-k': 'v',
        authorization: 'x',
      },
      Buffer.from('b'),
      NOW,
      c2d,
    );
    expect(r.content).toEqual({ messageId: 'm', correlationId: 'c', userId: 'u', ack: 'full', properties: { k: 'v' } });
    expect(r.expiresAtMs).toBe(NOW + 600_000);
  });

  it('generates a message id and applies the default TTL; iothub-ttl sets a relative one', () => {
    const r = parseSendRequest({}, Buffer.from('b'), NOW, c2d);
    expect(r.content.messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect([r.content.ack, r.expiresAtMs]).toEqual(['none', NOW + 3600_000]);
    expect(parseSendRequest({ 'iothub-ttl': '5' }, Buffer.alloc(0), NOW, c2d).expiresAtMs).toBe(NOW + 5000);
  });

  it('refuses bad ack, past or too distant expiry, bad TTL, and more than 64 KB', () => {
    const bad =
      (h: Record<string, string>, body = Buffer.from('b')) =>
      () =>
        parseSendRequest(h, body, NOW, c2d);
    expect(bad({ 'iothub-ack': 'yes' })).toThrow(/iothub-ack/);
    expect(bad({ 'iothub-expiry': '2025-12-31T23:59:59Z' })).toThrow(/past/);
    expect(bad({ 'iothub-expiry': 'tomorrow' })).toThrow(/ISO 8601/);
    expect(bad({ 'iothub-ttl': String(3 * 24 * 3600) })).toThrow(/maximum/);
    expect(bad({ 'iothub-ttl': '1.5' })).toThrow(/positive integer/);
    expect(bad({}, Buffer.alloc(64 * 1024 + 1))).toThrow(expect.objectContaining({ status: 413 }));
    expect(bad({ 'iothub-app-ab': 'cd' }, Buffer.alloc(64 * 1024 - 3))).toThrow(expect.objectContaining({ status: 413 }));
  });
});

describe('lock timeout header', () => {
  it('defaults, clamps to the maximum and refuses garbage', () => {
    expect(lockTimeoutMs(undefined, c2d)).toBe(60_000);
    expect(lockTimeoutMs('10', c2d)).toBe(10_000);
    expect(lockTimeoutMs('0.2', c2d)).toBe(1000);
    expect(lockTimeoutMs('99999', c2d)).toBe(c2d.maxLockTimeoutSeconds * 1000);
    expect(() => lockTimeoutMs('soon', c2d)).toThrow(/positive/);
    expect(() => lockTimeoutMs('-1', c2d)).toThrow(/positive/);
  });
});

describe('receive headers and lock tokens', () => {
  it('renders every IoT Hub header of a locked command', () => {
    const limits = { maxDeliveryCount: 10, outboxGraceMs: 1000 };
    const record = enqueue(
      {
        messageId: 'm',
        correlationId: 'c',
        userId: 'u',
        contentType: 'text/plain',
        contentEncoding: 'utf-8',
        ack: 'full',
        properties: { a: '1' },
      },
      { deviceId: 'dev 1', deviceGenerationId: 'g', sequenceNumber: 7, nowMs: NOW, expiresAtMs: NOW + 1000, body: Buffer.from('x') },
      limits,
    );
    const token = newLockToken(7);
    expect(receiveHeaders(lock(record, NOW, 5000, token, limits))).toEqual({
      etag: `"${token}"`,
      'content-type': 'text/plain',
      'iothub-messageid': 'm',
      'iothub-correlationid': 'c',
      'iothub-userid': 'u',
      'iothub-sequencenumber': '7',
      'iothub-to': '/devices/dev%201/messages/devicebound',
      'iothub-ack': 'full',
      'iothub-expiry': '2026-01-01T00:00:01.000Z',
      'iothub-deliverycount': '0', // IoT Hub counts previous deliveries
      'iothub-enqueuedtime': '2026-01-01T00:00:00.000Z',
      'iothub-contenttype': 'text/plain',
      'iothub-contentencoding': 'utf-8',
      'iothub-app-a': '1',
    });
  });

  it('tokens carry the sequence number and 128 random bits; anything else is no token', () => {
    const a = newLockToken(42);
    expect(a).toMatch(/^42-[0-9a-f]{32}$/);
    expect(newLockToken(42)).not.toBe(a);
    expect(lockTokenSequence(a)).toBe(42);
    expect(unquoteLockToken(`"${a}"`)).toBe(a);
    for (const bad of ['', '42', '42-xyz', `x-${'0'.repeat(32)}`, `42-${'0'.repeat(31)}`, `42-${'0'.repeat(33)}`])
      expect(lockTokenSequence(bad)).toBeUndefined();
  });
});
