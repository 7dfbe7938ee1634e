import { alignSeries, decodeBody, numericFields, prettyBody, splitAtPosition, type Envelope } from './messages';

const env = (body: string | Buffer, properties: Record<string, string> = {}): Envelope => ({
  schemaVersion: 1,
  deviceId: 'd',
  moduleId: null,
  messageSource: 'Telemetry',
  enqueuedTime: '2026-01-01T00:00:00.000Z',
  systemProperties: {
    'iothub-connection-device-id': 'd',
    'iothub-connection-auth-method': '{"scope":"device","type":"sas","issuer":"iothub"}',
    'iothub-enqueuedtime': '2026-01-01T00:00:00.000Z',
    'iothub-message-source': 'Telemetry',
  },
  properties,
  body: Buffer.from(body).toString('base64'),
});

describe('numericFields', () => {
  it('finds numbers in a JSON body (nested, arrays by index) and numeric properties', () => {
    const fields = numericFields(
      env('{"temp":21.5,"ok":true,"s":"7","pos":{"x":1,"y":[2,3]}}', { humidity: '40', label: 'hot', exp: '1e3' }),
    );
    expect(Object.fromEntries(fields)).toEqual({
      'body.temp': 21.5,
      'body.pos.x': 1,
      'body.pos.y.0': 2,
      'body.pos.y.1': 3,
      'prop.humidity': 40,
      'prop.exp': 1000,
    });
  });

  it('ignores text and binary bodies, and a top-level number body is the field "body"', () => {
    expect([...numericFields(env('hello')).keys()]).toEqual([]);
    expect([...numericFields(env(Buffer.from([0xff, 0xfe, 0x00]))).keys()]).toEqual([]);
    expect(Object.fromEntries(numericFields(env('42')))).toEqual({ body: 42 });
  });

  it('stops at 64 fields', () => {
    const big = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`f${i}`, i]));
    expect(numericFields(env(JSON.stringify(big))).size).toBe(64);
  });
});

describe('bodies', () => {
  it('pretty-prints JSON, shows text as is and binary as a size', () => {
    expect(prettyBody(env('{"a":1}'))).toBe('{\n  "a": 1\n}');
    expect(prettyBody(env('plain'))).toBe('plain');
    expect(prettyBody(env(Buffer.from([0xff, 0x00])))).toMatch(/^\(2 bytes of binary data/);
    expect(decodeBody('!!!')).toMatchObject({ isJson: false });
  });
});

describe('alignSeries', () => {
  it('builds one time column in seconds and null gaps per series, dropping points before the window', () => {
    const data = alignSeries(
      [
        [
          { t: 1000, v: 1 },
          { t: 3000, v: 3 },
        ],
        [
          { t: 2000, v: 20 },
          { t: 500, v: 5 },
        ],
      ],
      800,
    );
    expect(data).toEqual([
      [1, 2, 3],
      [1, null, 3],
      [null, 20, null],
    ]);
  });
});

describe('splitAtPosition', () => {
  it('marks the character at the position, or a space at the end', () => {
    expect(splitAtPosition('temp > )', 7)).toEqual({ before: 'temp > ', at: ')', after: '' });
    expect(splitAtPosition('temp >', 6)).toEqual({ before: 'temp >', at: ' ', after: '' });
    expect(splitAtPosition('x', 99)).toEqual({ before: 'x', at: ' ', after: '' });
  });
});
