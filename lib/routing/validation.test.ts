import { ConditionSyntaxError } from './conditions';
import { parseTarget } from './targets';
import { parseEnrichmentInput, parseRouteInput, validateEndpointName } from './validation';
import { decodeRecord } from './plan';
import { parseTestMessage } from './testMessage';

describe('routing input validation', () => {
  it('accepts endpoint names of 1-64 [A-Za-z0-9._-], not the built-in one', () => {
    expect(validateEndpointName('a.b_c-1')).toBe('a.b_c-1');
    for (const bad of ['', 'x'.repeat(65), 'a b', 'a/b', 'events']) expect(() => validateEndpointName(bad)).toThrow();
  });

  it('refuses a route condition that does not parse with a 400 carrying the position', () => {
    const err = (() => {
      try {
        parseRouteInput({ source: 'DeviceMessages', condition: 'a = (1', endpoint: 'e' });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ConditionSyntaxError);
    expect(err).toMatchObject({ status: 400, position: 6, headers: { 'x-devhub-condition-position': '6' } });
    expect(parseRouteInput({ source: 'DeviceLifecycleEvents', endpoint: 'e' })).toEqual({
      source: 'DeviceLifecycleEvents',
      condition: 'true',
      endpoint: 'e',
      enabled: true,
    });
    expect(() => parseRouteInput({ source: 'Telemetry', endpoint: 'e' })).toThrow(/source/);
  });

  it('accepts static, $iothubname and $twin.tags enrichment values only', () => {
    expect(parseEnrichmentInput({ value: '$twin.tags.a.b' }).value).toBe('$twin.tags.a.b');
    expect(parseEnrichmentInput({ value: '$iothubname' }).value).toBe('$iothubname');
    for (const bad of ['$twin.properties.x', '$other', '', 'x'.repeat(257)]) expect(() => parseEnrichmentInput({ value: bad })).toThrow();
  });

  it('parses queue URLs and ARNs and stream names and ARNs, matching FIFO to the type', () => {
    expect(parseTarget('sqs', 'http://127.0.0.1:9324/123456789012/q')).toMatchObject({
      kind: 'queue',
      name: 'q',
      url: 'http://127.0.0.1:9324/123456789012/q',
    });
    expect(parseTarget('sqs-fifo', 'arn:aws:sqs:eu-west-1:123456789012:q.fifo')).toMatchObject({
      kind: 'queue',
      name: 'q.fifo',
      accountId: '123456789012',
    });
    expect(parseTarget('kinesis', 'arn:aws:kinesis:eu-west-1:123456789012:stream/s-1')).toEqual({ kind: 'stream', name: 's-1' });
    expect(parseTarget('kinesis', 's-1')).toEqual({ kind: 'stream', name: 's-1' });
    expect(() => parseTarget('sqs', 'arn:aws:sqs:eu-west-1:123456789012:q.fifo')).toThrow(/sqs-fifo/);
    expect(() => parseTarget('sqs-fifo', 'http://h/1/q')).toThrow(/FIFO/);
    expect(() => parseTarget('kinesis', 'arn:aws:sqs:eu-west-1:123456789012:q')).toThrow();
  });
});

describe('stream records and test messages', () => {
  it('decodes envelopes and names what is wrong with anything else', () => {
    const rec = (data: string) => ({ id: '1', eventId: 's:1', data: Buffer.from(data) });
    expect(decodeRecord(rec(JSON.stringify({ deviceId: 'd', messageSource: 'Telemetry' })))).toMatchObject({
      ok: true,
      source: 'DeviceMessages',
    });
    expect(decodeRecord(rec('{'))).toMatchObject({ ok: false, error: 'record is not JSON' });
    expect(decodeRecord(rec('{"messageSource":"Telemetry"}'))).toMatchObject({ ok: false });
    expect(decodeRecord(rec('{"deviceId":"d","messageSource":"Other"}'))).toMatchObject({ ok: false });
  });

  it('accepts a JSON body in a test message file and defaults the content type', () => {
    const env = parseTestMessage({ body: { temp: 3 } });
    expect(Buffer.from(env.body, 'base64').toString()).toBe('{"temp":3}');
    expect(env.systemProperties['content-type']).toBe('application/json');
    expect(env.messageSource).toBe('Telemetry');
    expect(() => parseTestMessage([])).toThrow();
    expect(() => parseTestMessage({ properties: { n: 1 } })).toThrow();
  });
});
