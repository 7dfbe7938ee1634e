/** The body decoder middleware over plain request objects (no Lambda runtime). */
import fc from 'fast-check';
import type { Request } from '@middy/core';
import type { Context } from 'aws-lambda';
import { bodyDecoder, decodeBody } from './bodyDecoder';
import { jsonBody, rawBody, textBody, type HttpEvent } from './request';

function run(event: Partial<HttpEvent>): HttpEvent {
  const request = { event: event as HttpEvent, context: {} as Context, response: undefined, error: undefined, internal: {} };
  void bodyDecoder().before?.(request as unknown as Request<HttpEvent>);
  return request.event;
}

describe('bodyDecoder', () => {
  it('decodes base64 bodies (binary content types, as API Gateway payload 2.0 delivers them) byte for byte', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const event = run({ body: Buffer.from(bytes).toString('base64'), isBase64Encoded: true });
        expect(rawBody(event).equals(Buffer.from(bytes))).toBe(true);
      }),
    );
  });

  it('takes text bodies as UTF-8', () => {
    const event = run({ body: 'grüße {"a":1}', isBase64Encoded: false });
    expect(textBody(event)).toBe('grüße {"a":1}');
    expect(rawBody(event).equals(Buffer.from('grüße {"a":1}', 'utf8'))).toBe(true);
  });

  it('tells no body (undefined or null) from an empty one', () => {
    for (const body of [undefined, null]) {
      const event = run({ body: body as unknown as string, isBase64Encoded: false });
      expect(textBody(event)).toBeUndefined();
      expect(rawBody(event).length).toBe(0);
      expect(() => jsonBody(event)).toThrow(/body is required/);
    }
    expect(textBody(run({ body: '', isBase64Encoded: false }))).toBe('');
  });

  it("reads serverless offline's parsed JSON false/0 as the JSON text AWS would send", () => {
    expect(decodeBody({ body: false as unknown as string, isBase64Encoded: false })?.toString()).toBe('false');
    expect(decodeBody({ body: 0 as unknown as string, isBase64Encoded: false })?.toString()).toBe('0');
  });

  it('fails loudly when a handler reads a body the middleware never decoded', () => {
    const event = { body: 'x', isBase64Encoded: false } as HttpEvent;
    expect(() => rawBody(event)).toThrow(/bodyDecoder/);
    expect(() => textBody(event)).toThrow(/bodyDecoder/);
  });
});

describe('jsonBody (after decoding)', () => {
  it('refuses invalid JSON and too deep nesting with a 400', () => {
    expect(() => jsonBody(run({ body: '{', isBase64Encoded: false }))).toThrow(expect.objectContaining({ status: 400 }));
    const deep = '['.repeat(40) + ']'.repeat(40);
    expect(() => jsonBody(run({ body: deep, isBase64Encoded: false }))).toThrow(/nested deeper/);
    expect(jsonBody(run({ body: Buffer.from('{"a":1}').toString('base64'), isBase64Encoded: true }))).toEqual({ a: 1 });
  });
});
