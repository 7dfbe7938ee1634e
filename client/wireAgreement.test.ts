/**
 * The clients and the hub speak the same wire (both map through lib/messageProperties.ts): what a
 * client writes, the hub reads back unchanged, and what the hub sends, a client reads back.
 */
import fc from 'fast-check';
import { newLockToken } from '../lib/c2d/lockToken';
import { enqueue, lock } from '../lib/c2d/stateMachine';
import type { AckMode } from '../lib/c2d/types';
import { parseSendRequest, receiveHeaders } from '../lib/c2d/wire';
import { completeEnv } from '../lib/configTestkit';
import { parseConfig } from '../lib/config';
import { messageFromHeaders } from '../lib/d2c/telemetry';
import { messageHeaders } from './clients';
import { commandHeaders, parseReceived } from './commands';
import type { HttpResponse } from './http';

const c2d = parseConfig(completeEnv).c2d;
const NOW = Date.parse('2026-01-01T00:00:00Z');
// Values the hub accepts: IoT Hub's token characters.
const token = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+\-.^_`|~]{1,16}$/);
const optional = fc.option(token, { nil: undefined });
const properties = fc.dictionary(token, token, { maxKeys: 5, noNullPrototype: true });
const ack = fc.constantFrom<AckMode>('none', 'positive', 'negative', 'full');

/** Drops undefined fields, as a header or JSON round trip does. */
const defined = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

it('a device message the client writes is the message the hub reads', () => {
  fc.assert(
    fc.property(
      fc.record({ messageId: optional, correlationId: optional, userId: optional, contentType: optional, contentEncoding: optional }),
      properties,
      (system, props) => {
        const msg = messageFromHeaders(messageHeaders({ body: '', ...system, properties: props }), Buffer.alloc(0));
        expect(msg.properties).toEqual(props);
        expect(msg.system).toEqual(
          defined({
            'message-id': system.messageId,
            'correlation-id': system.correlationId,
            'user-id': system.userId,
            'content-type': system.contentType,
            'content-encoding': system.contentEncoding,
          }),
        );
      },
    ),
  );
});

it('a command the service client writes is the command the hub queues', () => {
  fc.assert(
    fc.property(
      fc.record({ messageId: optional, correlationId: optional, userId: optional, contentType: optional, contentEncoding: optional }),
      ack,
      properties,
      fc.integer({ min: 1, max: 3600 }),
      (system, ackMode, props, ttlSeconds) => {
        const request = parseSendRequest(
          commandHeaders({ body: 'b', ...system, ack: ackMode, ttlSeconds, properties: props }),
          Buffer.from('b'),
          NOW,
          c2d,
        );
        const { messageId, ...rest } = request.content;
        expect(messageId).toBe(system.messageId ?? messageId);
        expect(rest).toEqual({ ...defined({ ...system, messageId: undefined }), ack: ackMode, properties: props });
        expect(request.expiresAtMs).toBe(NOW + ttlSeconds * 1000);
      },
    ),
  );
});

it('a command the hub hands out over HTTPS is the command the device client reads', () => {
  fc.assert(
    fc.property(
      fc.record({ correlationId: optional, userId: optional, contentType: optional, contentEncoding: optional }),
      token,
      ack,
      properties,
      fc.integer({ min: 1, max: 1e6 }),
      (system, messageId, ackMode, props, sequenceNumber) => {
        const limits = { maxDeliveryCount: 10, outboxGraceMs: 1000 };
        const record = enqueue(
          { ...defined(system), messageId, ack: ackMode, properties: props },
          { deviceId: 'dev 1', deviceGenerationId: 'g', sequenceNumber, nowMs: NOW, expiresAtMs: NOW + 1000, body: Buffer.from('x') },
          limits,
        );
        const locked = lock(record, NOW, 5000, newLockToken(sequenceNumber), limits);
        const headers = receiveHeaders(locked);
        const received = parseReceived({ status: 200, headers, body: Buffer.from('x') } as HttpResponse);
        expect(received).toEqual({
          ...defined(system),
          lockToken: locked.lockToken,
          body: Buffer.from('x'),
          messageId,
          sequenceNumber,
          deliveryCount: 0,
          ack: ackMode,
          to: '/devices/dev%201/messages/devicebound',
          expiry: new Date(NOW + 1000).toISOString(),
          enqueuedTime: new Date(NOW).toISOString(),
          properties: props,
          headers,
        });
      },
    ),
  );
});
