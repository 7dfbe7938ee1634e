/** The middleware that turns an HTTP API event's body into bytes, once, for every handler. */
import type { MiddlewareObj } from '@middy/core';
import type { HttpEvent } from './request';

/**
 * The body as bytes, or null when there is none. API Gateway payload 2.0 passes text content
 * types as text and others base64 with `isBase64Encoded: true` (lib/http/eventFormat.ts).
 * serverless offline passes a JSON body that parses to `false` or `0` as that value (and `null`
 * as no body): read as the JSON text a deployed hub would receive.
 */
export function decodeBody(event: Pick<HttpEvent, 'body' | 'isBase64Encoded'>): Buffer | null {
  const body: unknown = event.body;
  if (body === undefined || body === null) return null;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return event.isBase64Encoded ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8');
}

/** Sets `event.decodedBody` (read through lib/http/request.ts) before the handler runs. */
export function bodyDecoder(): MiddlewareObj<HttpEvent> {
  return {
    before: (request) => {
      request.event.decodedBody = decodeBody(request.event);
    },
  };
}
