/** A command pushed over the WebSocket carries exactly the properties an HTTPS receive sends as headers. */
import fc from 'fast-check';
import { newLockToken } from '../c2d/lockToken';
import { enqueue, lock } from '../c2d/stateMachine';
import type { AckMode } from '../c2d/types';
import { receiveHeaders } from '../c2d/wire';
import { propertiesFromHeaders } from '../messageProperties';
import { c2dFrame } from './socketCommands';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const limits = { maxDeliveryCount: 10, outboxGraceMs: 1000 };
const optional = fc.option(fc.string(), { nil: undefined });

it('the c2d frame and the HTTPS receive headers agree on every property', () => {
  fc.assert(
    fc.property(
      fc.record({
        messageId: fc.string({ minLength: 1 }),
        correlationId: optional,
        userId: optional,
        contentType: optional,
        contentEncoding: optional,
        ack: fc.constantFrom<AckMode>('none', 'positive', 'negative', 'full'),
        properties: fc.dictionary(fc.string(), fc.string(), { noNullPrototype: true }),
      }),
      fc.string({ minLength: 1, maxLength: 20 }),
      fc.integer({ min: 1, max: 1e6 }),
      fc.uint8Array({ maxLength: 50 }),
      (content, deviceId, sequenceNumber, body) => {
        const record = enqueue(
          content,
          { deviceId, deviceGenerationId: 'g', sequenceNumber, nowMs: NOW, expiresAtMs: NOW + 1000, body: Buffer.from(body) },
          limits,
        );
        const locked = lock(record, NOW, 5000, newLockToken(sequenceNumber), limits);
        const { to, sequenceNumber: seq, deliveryCount, ...sameInBoth } = propertiesFromHeaders(receiveHeaders(locked));
        const frame = JSON.parse(JSON.stringify(c2dFrame(locked))) as Record<string, unknown>;
        expect(to).toBe(`/devices/${encodeURIComponent(deviceId)}/messages/devicebound`);
        expect(frame).toEqual({
          type: 'c2d',
          lockToken: locked.lockToken,
          sequenceNumber: Number(seq),
          deliveryCount: Number(deliveryCount),
          body: Buffer.from(body).toString('base64'),
          ...sameInBoth,
        });
      },
    ),
    { numRuns: 200 },
  );
});
