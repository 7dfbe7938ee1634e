import fc from 'fast-check';
import { HubError } from '../errors';
import { BATCH_CONTENT_TYPE, checkSize, messageFromHeaders, messageSize, messagesFromBatch, parseTelemetryRequest } from './telemetry';
import { toEnvelope } from '../envelope';

const conn = { deviceId: 'd1', generationId: 'g1', transport: 'https' as const };

describe('messages from HTTP headers', () => {
  it('maps system headers and strips the application prefix', () => {
    const msg = messageFromHeaders(
      {
        'iothub-messageid': 'm',
        'iothub-correlationid': 'c',
        'iothub-userid': 'u',
        'iothub-contenttype': 'application/json',
        'iothub-contentencoding': 'utf-8',
        'iothub-creation-time-utc': 't',
        'dt-subject': 's',
        'iothub-app-Temp': '21',
        'iothub-to': '/devices/d1/messages/events',
        authorization: 'secret',
        'content-type': 'text/plain',
      },
      Buffer.from('x'),
    );
    expect(msg.system).toEqual({
      'message-id': 'm',
      'correlation-id': 'c',
      'user-id': 'u',
      'content-type': 'application/json',
      'content-encoding': 'utf-8',
      'iothub-creation-time-utc': 't',
      'dt-subject': 's',
    });
    // IoT Hub property names are case-sensitive; API Gateway lower-cases HTTP header names itself.
    expect(msg.properties).toEqual({ Temp: '21' });
  });

  it('enforces the IoT Hub character set on values and the message id length', () => {
    expect(() => messageFromHeaders({ 'iothub-app-a': 'b c' }, Buffer.alloc(0))).toThrow(/may contain only/);
    expect(() => messageFromHeaders({ 'iothub-app-': 'x' }, Buffer.alloc(0))).toThrow(/empty/);
    expect(() => messageFromHeaders({ 'iothub-messageid': 'x'.repeat(129) }, Buffer.alloc(0))).toThrow(/1-128/);
    expect(() => messageFromHeaders({ 'iothub-messageid': 'a\r\nb' }, Buffer.alloc(0))).toThrow(/control/);
    expect(messageFromHeaders({ 'iothub-app-k': "!#$%&'*+-.^_`|~aZ09" }, Buffer.alloc(0)).properties.k).toBe("!#$%&'*+-.^_`|~aZ09");
  });
});

describe('size accounting', () => {
  it('counts body, system property values and property names and values', () => {
    const msg = messageFromHeaders({ 'iothub-messageid': 'abc', 'iothub-app-kk': 'vvv' }, Buffer.alloc(10));
    expect(messageSize(msg)).toBe(10 + 3 + 2 + 3);
    expect(() => checkSize([msg], 17)).toThrow(/18 bytes exceeds the limit of 17/);
    expect(() => checkSize([msg, msg], 35)).toThrow(/Batch size 36/);
  });
});

describe('batches', () => {
  it('decodes base64 and plain bodies with per-message properties', () => {
    const out = messagesFromBatch(
      Buffer.from(
        JSON.stringify([
          { body: 'AAH/', base64Encoded: true, properties: { 'iothub-app-a': '1', 'iothub-messageid': 'x' } },
          { body: 'plain', base64Encoded: false },
        ]),
      ),
    );
    expect(out[0]?.body).toEqual(Buffer.from([0, 1, 255]));
    expect(out[0]?.properties).toEqual({ a: '1' });
    expect(out[0]?.system['message-id']).toBe('x');
    expect(out[1]?.body.toString()).toBe('plain');
  });

  it('decodes a body as base64 when base64Encoded is absent (IoT Hub default, what the SDKs send)', () => {
    const [msg] = messagesFromBatch(Buffer.from(JSON.stringify([{ body: 'aGVsbG8=', properties: { 'iothub-app-a': '1' } }])));
    expect(msg?.body.toString()).toBe('hello');
    expect(msg?.properties).toEqual({ a: '1' });
  });

  it('names the entry index when a body is not base64 and base64Encoded is absent', () => {
    const body = JSON.stringify([{ body: 'aGk=' }, { body: 'plain text!' }]);
    expect(() => messagesFromBatch(Buffer.from(body))).toThrow(/Batch entry 1: body is not valid base64/);
  });

  it.each([
    ['not json', '[{', /not valid JSON/],
    ['not an array', '{}', /JSON array/],
    ['empty', '[]', /at least one/],
    ['too many entries', JSON.stringify(Array.from({ length: 501 }, () => ({ body: '' }))), /at most 500/],
    ['entry not an object', '[1]', /must be an object/],
    ['no body', '[{}]', /needs a string "body"/],
    ['bad base64', '[{"body":"abc","base64Encoded":true}]', /not valid base64/],
    ['non-boolean flag', '[{"body":"abc","base64Encoded":"yes"}]', /boolean/],
    ['non-string property', '[{"body":"YQ==","properties":{"iothub-app-a":1}}]', /must be a string/],
    ['bad property name', '[{"body":"YQ==","properties":{"iothub-app-a b":"1"}}]', /may contain only/],
    ['text body without base64Encoded: false', '[{"body":"YQ=="},{"body":"a b"}]', /Batch entry 1: body is not valid base64/],
  ])('rejects %s with 400', (_name, body, message) => {
    expect(() => messagesFromBatch(Buffer.from(body))).toThrow(message);
    try {
      messagesFromBatch(Buffer.from(body));
    } catch (err) {
      expect((err as HubError).status).toBe(400);
    }
  });

  it('never throws anything but a 400 or 413 HubError on arbitrary input', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.uint8Array().map((a) => Buffer.from(a).toString('latin1')),
        ),
        (text) => {
          try {
            parseTelemetryRequest(BATCH_CONTENT_TYPE, {}, Buffer.from(text, 'latin1'));
          } catch (err) {
            expect(err).toBeInstanceOf(HubError);
            expect([400, 413]).toContain((err as HubError).status);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('round-trips any valid batch entry', () => {
    const token = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+\-.^_`|~]{1,20}$/);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.dictionary(token, token, { maxKeys: 5 }), (bytes, props) => {
        const properties = Object.fromEntries(Object.entries(props).map(([k, v]) => [`iothub-app-${k}`, v]));
        const [msg] = messagesFromBatch(
          Buffer.from(JSON.stringify([{ body: Buffer.from(bytes).toString('base64'), base64Encoded: true, properties }])),
        );
        expect(msg?.body.equals(Buffer.from(bytes))).toBe(true);
        expect(msg?.properties).toEqual(props);
      }),
    );
  });
});

describe('envelopes', () => {
  it('stamps the connection and keeps the body binary-safe', () => {
    const now = new Date('2026-05-01T12:00:00Z');
    const env = toEnvelope({ body: Buffer.from([0, 255]), system: { 'message-id': 'm' }, properties: { a: 'b' } }, conn, now);
    expect(env).toEqual({
      schemaVersion: 1,
      deviceId: 'd1',
      moduleId: null,
      messageSource: 'Telemetry',
      enqueuedTime: '2026-05-01T12:00:00.000Z',
      systemProperties: {
        'message-id': 'm',
        'iothub-connection-device-id': 'd1',
        'iothub-connection-auth-method': '{"scope":"device","type":"sas","issuer":"iothub","transport":"https"}',
        'iothub-connection-auth-generation-id': 'g1',
        'iothub-enqueuedtime': '2026-05-01T12:00:00.000Z',
        'iothub-message-source': 'Telemetry',
      },
      properties: { a: 'b' },
      body: 'AP8=',
    });
  });

  it('keeps a property named __proto__ as data (no prototype games)', () => {
    const msg = messageFromHeaders({ 'iothub-app-__proto__': 'x', 'iothub-app-constructor': 'y' }, Buffer.alloc(0));
    expect(Object.getPrototypeOf(msg.properties)).toBe(Object.prototype);
    expect(JSON.parse(JSON.stringify(toEnvelope(msg, conn, new Date()).properties))).toEqual(
      JSON.parse('{"__proto__":"x","constructor":"y"}'),
    );
  });

  it('lets a device not override hub-stamped properties through headers', () => {
    const msg = messageFromHeaders({ 'iothub-connection-device-id': 'someone-else', 'iothub-enqueuedtime': 'x' }, Buffer.alloc(0));
    expect(toEnvelope(msg, conn, new Date()).systemProperties['iothub-connection-device-id']).toBe('d1');
  });
});
