/**
 * An HTTP request as a Lambda function URL event, and a handler's result as the HTTP response a
 * function URL sends, as https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html
 * documents them (payload format 2.0, `routeKey: "$default"`): `rawPath` and `rawQueryString` as
 * sent, header names lower-cased with repeats joined by commas, `Cookie` moved to `cookies[]`,
 * `queryStringParameters` decoded (repeats joined by commas), binary bodies base64 with
 * `isBase64Encoded: true`. Pure: infra/local/functionUrlFront.ts does the I/O.
 */
import { randomUUID } from 'node:crypto';

/** Lambda's synchronous invocation payload limit (request and response), in bytes. */
export const INVOKE_PAYLOAD_LIMIT = 6 * 1024 * 1024;

export interface IncomingRequest {
  method: string;
  /** Path and query exactly as sent (`/devices/a%2Fb/messages/events?api-version=x`). */
  url: string;
  /** Alternating names and values, as Node's `rawHeaders`. */
  rawHeaders: string[];
  body: Buffer;
  sourceIp: string;
}

export interface FunctionUrlEvent {
  version: '2.0';
  routeKey: '$default';
  rawPath: string;
  rawQueryString: string;
  cookies?: string[];
  headers: Record<string, string>;
  queryStringParameters?: Record<string, string>;
  requestContext: {
    accountId: string;
    apiId: string;
    domainName: string;
    domainPrefix: string;
    http: { method: string; path: string; protocol: string; sourceIp: string; userAgent: string };
    requestId: string;
    routeKey: '$default';
    stage: '$default';
    time: string;
    timeEpoch: number;
  };
  body?: string;
  isBase64Encoded: boolean;
}

/** Content types a function URL passes as text (everything else is base64). */
function isTextContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  return type.startsWith('text/') || /^application\/(json|xml|javascript|x-www-form-urlencoded|([\w.-]+\+(json|xml)))$/.test(type);
}

function isUtf8(body: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(body);
    return true;
  } catch {
    return false;
  }
}

function decodeQueryPart(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}

/** `01/Dec/2026:12:00:00 +0000`, the `requestContext.time` format. */
function clfTime(date: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`;
}

export function functionUrlEvent(req: IncomingRequest, domainName: string, now = new Date()): FunctionUrlEvent {
  const q = req.url.indexOf('?');
  const rawPath = q < 0 ? req.url : req.url.slice(0, q);
  const rawQueryString = q < 0 ? '' : req.url.slice(q + 1);
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = (req.rawHeaders[i] ?? '').toLowerCase();
    const value = req.rawHeaders[i + 1] ?? '';
    if (name === 'cookie') {
      cookies.push(
        ...value
          .split(';')
          .map((c) => c.trim())
          .filter((c) => c !== ''),
      );
      continue;
    }
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  const query: Record<string, string> = {};
  for (const part of rawQueryString.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = decodeQueryPart(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? '' : decodeQueryPart(part.slice(eq + 1));
    query[name] = name in query ? `${query[name]},${value}` : value;
  }
  // A text body that is not valid UTF-8 travels base64 too, so no byte is lost.
  const asText = isTextContentType(headers['content-type']) && isUtf8(req.body);
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: 'anonymous',
      apiId: domainName.split('.')[0] ?? domainName,
      domainName,
      domainPrefix: domainName.split('.')[0] ?? domainName,
      http: { method: req.method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: req.sourceIp, userAgent: headers['user-agent'] ?? '' },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: clfTime(now),
      timeEpoch: now.getTime(),
    },
    ...(req.body.length > 0 ? { body: asText ? req.body.toString('utf8') : req.body.toString('base64') } : {}),
    isBase64Encoded: req.body.length > 0 && !asText,
  };
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/**
 * The function URL's answer to a handler result: a `{statusCode, headers, cookies, body,
 * isBase64Encoded}` object as given; anything else is a 200 JSON body (the documented default).
 */
export function httpAnswer(result: unknown): HttpAnswer {
  if (result !== null && typeof result === 'object' && 'statusCode' in result) {
    const r = result as {
      statusCode: number;
      headers?: Record<string, string>;
      cookies?: string[];
      body?: string;
      isBase64Encoded?: boolean;
    };
    const headers: Record<string, string | string[]> = { ...(r.headers ?? {}) };
    if (r.cookies && r.cookies.length > 0) headers['set-cookie'] = r.cookies;
    const body = r.body === undefined ? Buffer.alloc(0) : Buffer.from(r.body, r.isBase64Encoded ? 'base64' : 'utf8');
    return { status: r.statusCode, headers, body };
  }
  return { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(result ?? null)) };
}

/** What a function URL answers when the request is over the invocation payload limit. */
export function payloadTooLarge(): HttpAnswer {
  return {
    status: 413,
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(
      JSON.stringify({ Message: `Request must be smaller than ${INVOKE_PAYLOAD_LIMIT} bytes for the InvokeFunction operation` }),
    ),
  };
}

/** What a function URL answers when the function failed (an unhandled error, or a response over 6 MB). */
export function functionFailed(): HttpAnswer {
  return {
    status: 502,
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify({ Message: 'Internal Server Error' })),
  };
}
