import { functionUrlEvent, httpAnswer, INVOKE_PAYLOAD_LIMIT, payloadTooLarge } from './functionUrlEvent';

const now = new Date('2026-12-01T12:00:05Z');

function request(over: Partial<Parameters<typeof functionUrlEvent>[0]> = {}) {
  return {
    method: 'POST',
    url: '/devices/a%2Fb/messages/events?api-version=2021-04-12&flag&x=1&x=2',
    rawHeaders: [
      'Content-Type',
      'application/octet-stream',
      'IoTHub-App-K',
      'v1',
      'iothub-app-k',
      'v2',
      'Cookie',
      'a=1; b=2',
      'User-Agent',
      'ua/1',
    ],
    body: Buffer.from([0, 255, 1]),
    sourceIp: '10.0.0.1',
    ...over,
  };
}

describe('function URL event (AWS payload format 2.0, no route)', () => {
  it('keeps the raw path and query, lower-cases headers and joins repeats with commas, moves cookies', () => {
    const e = functionUrlEvent(request(), 'abc.lambda-url.eu-west-1.on.aws', now);
    expect(e).toMatchObject({
      version: '2.0',
      routeKey: '$default',
      rawPath: '/devices/a%2Fb/messages/events',
      rawQueryString: 'api-version=2021-04-12&flag&x=1&x=2',
      cookies: ['a=1', 'b=2'],
      headers: { 'content-type': 'application/octet-stream', 'iothub-app-k': 'v1,v2', 'user-agent': 'ua/1' },
      queryStringParameters: { 'api-version': '2021-04-12', flag: '', x: '1,2' },
      requestContext: {
        accountId: 'anonymous',
        apiId: 'abc',
        domainName: 'abc.lambda-url.eu-west-1.on.aws',
        domainPrefix: 'abc',
        http: { method: 'POST', path: '/devices/a%2Fb/messages/events', protocol: 'HTTP/1.1', sourceIp: '10.0.0.1', userAgent: 'ua/1' },
        routeKey: '$default',
        stage: '$default',
        time: '01/Dec/2026:12:00:05 +0000',
        timeEpoch: now.getTime(),
      },
      isBase64Encoded: true,
      body: Buffer.from([0, 255, 1]).toString('base64'),
    });
    expect(e.headers.cookie).toBeUndefined();
    expect(e).not.toHaveProperty('pathParameters');
  });

  it('passes text bodies as text, and a text body that is not UTF-8 base64 (no byte lost); no body, no field', () => {
    const json = functionUrlEvent(request({ rawHeaders: ['content-type', 'application/json'], body: Buffer.from('{"a":"é"}') }), 'h', now);
    expect([json.body, json.isBase64Encoded]).toEqual(['{"a":"é"}', false]);
    const bad = functionUrlEvent(request({ rawHeaders: ['content-type', 'text/plain'], body: Buffer.from([0xc3, 0x28]) }), 'h', now);
    expect(bad.isBase64Encoded).toBe(true);
    expect(Buffer.from(bad.body ?? '', 'base64')).toEqual(Buffer.from([0xc3, 0x28]));
    const iothubBatch = functionUrlEvent(
      request({ rawHeaders: ['content-type', 'application/vnd.microsoft.iothub.json'], body: Buffer.from('[]') }),
      'h',
      now,
    );
    expect(iothubBatch.isBase64Encoded).toBe(true);
    const empty = functionUrlEvent(request({ method: 'GET', url: '/x', body: Buffer.alloc(0) }), 'h', now);
    expect(empty).not.toHaveProperty('body');
    expect(empty).not.toHaveProperty('queryStringParameters');
    expect([empty.rawQueryString, empty.isBase64Encoded]).toEqual(['', false]);
  });

  it('answers with the handler result, or a 200 JSON body for anything else', () => {
    expect(
      httpAnswer({ statusCode: 200, headers: { etag: '"x"' }, body: Buffer.from([1, 2]).toString('base64'), isBase64Encoded: true }),
    ).toEqual({
      status: 200,
      headers: { etag: '"x"' },
      body: Buffer.from([1, 2]),
    });
    expect(httpAnswer({ statusCode: 204, cookies: ['c=1'] })).toEqual({
      status: 204,
      headers: { 'set-cookie': ['c=1'] },
      body: Buffer.alloc(0),
    });
    expect(httpAnswer({ ok: true })).toEqual({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from('{"ok":true}'),
    });
  });

  it('refuses over the invocation payload limit as Lambda does', () => {
    expect(INVOKE_PAYLOAD_LIMIT).toBe(6_291_456);
    expect(payloadTooLarge().status).toBe(413);
  });
});
