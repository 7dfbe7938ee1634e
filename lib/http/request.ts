/**
 * Reading API Gateway HTTP API (payload 2.0) requests, after the HTTP plumbing middlewares
 * (lib/http/plumbing.ts) have normalised them: header names lower-cased, the body decoded.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { BadRequestError } from '../errors';
import { jsonDepthExceeds } from '../jsonDepth';

/** Deeper request bodies are refused (recursive walks would overflow; DynamoDB stops at 32). */
export const MAX_JSON_DEPTH = 32;

/** An HTTP API event as the handlers see it: `decodedBody` is set by the `bodyDecoder` middleware. */
export type HttpEvent = APIGatewayProxyEventV2 & {
  /** The body's bytes; null when the request has none. */
  decodedBody?: Buffer | null;
  /**
   * Set by routeTable on a function URL event it routed (the route key it fills in hides that
   * the event came through the URL): the host Lambda says the request arrived through.
   */
  functionUrlHost?: string;
};

/** The headers by lower-case name (the header normaliser middleware lower-cases them). */
export function headers(event: HttpEvent): Record<string, string | undefined> {
  return event.headers ?? {};
}

function decoded(event: HttpEvent): Buffer | null {
  // Fails loudly: a handler wired without the middleware must not read every body as empty.
  if (event.decodedBody === undefined) throw new Error('bodyDecoder() middleware did not run for this handler');
  return event.decodedBody;
}

export function rawBody(event: HttpEvent): Buffer {
  return decoded(event) ?? Buffer.alloc(0);
}

export function textBody(event: HttpEvent): string | undefined {
  return decoded(event)?.toString('utf8');
}

export function jsonBody(event: HttpEvent): unknown {
  const text = textBody(event);
  if (text === undefined || text.trim() === '') throw new BadRequestError('Request body is required');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BadRequestError('Request body is not valid JSON');
  }
  if (jsonDepthExceeds(value, MAX_JSON_DEPTH)) throw new BadRequestError(`Request body is nested deeper than ${MAX_JSON_DEPTH} levels`);
  return value;
}

/**
 * A path parameter as API Gateway delivers it: already decoded once (lib/http/eventFormat.ts).
 * Decoding again would turn an id containing `%41` into another id and refuse a bare `%`.
 */
export function pathParam(event: HttpEvent, name: string): string {
  const value = event.pathParameters?.[name];
  if (value === undefined || value === '') throw new BadRequestError(`Missing path parameter ${name}`);
  return value;
}

export function query(event: HttpEvent, name: string): string | undefined {
  return event.queryStringParameters?.[name];
}

/**
 * Every query parameter, including bare flags such as `?reject` that the parsed map may omit
 * (a parameter without `=`), taken from `rawQueryString` when the map lacks them.
 */
export function queryParameters(event: HttpEvent): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = { ...(event.queryStringParameters ?? {}) };
  for (const part of (event.rawQueryString ?? '').split('&')) {
    const [name = '', value] = part.split('=');
    if (name !== '' && !(name in out)) out[name] = value ?? '';
  }
  return out;
}
