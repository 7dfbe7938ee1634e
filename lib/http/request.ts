/** Reading API Gateway HTTP API (payload 2.0) requests. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { BadRequestError } from '../errors';
import { jsonDepthExceeds } from '../jsonDepth';

/** Deeper request bodies are refused (recursive walks would overflow; DynamoDB stops at 32). */
export const MAX_JSON_DEPTH = 32;

export type HttpEvent = APIGatewayProxyEventV2;

/** Header lookup by lower-case name (API Gateway already lower-cases; offline mostly does). */
export function headers(event: HttpEvent): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(event.headers ?? {})) out[k.toLowerCase()] = v;
  return out;
}

/**
 * The body as API Gateway passes it: a string. serverless offline passes a JSON body that
 * parses to `false` or `0` as that value instead (and `null` as no body), so normalise here.
 */
function bodyString(event: HttpEvent): string | undefined {
  const body: unknown = event.body;
  if (body === undefined || body === null) return undefined;
  return typeof body === 'string' ? body : JSON.stringify(body);
}

export function rawBody(event: HttpEvent): Buffer {
  const body = bodyString(event);
  if (body === undefined) return Buffer.alloc(0);
  return event.isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
}

export function textBody(event: HttpEvent): string | undefined {
  if (bodyString(event) === undefined) return undefined;
  return rawBody(event).toString('utf8');
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
