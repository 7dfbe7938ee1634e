/**
 * For handler unit tests: API Gateway payload 2.0 events, function URL events, WebSocket events
 * and a minimal Lambda context, so a handler built by `makeHandler(fakes)` runs through its real
 * middy chain (plumbing, error mapping, early timeout) without the Lambda runtime.
 */
import type { Context } from 'aws-lambda';
import { UnauthorizedError } from '../lib/errors';
import type { HttpEvent } from '../lib/http/request';
import type { HttpResult } from '../lib/http/response';
import type { WsEvent } from '../lib/ws/wsEvent';

/** What middy's early timeout (httpDeadline) and the Powertools logger read from the context. */
export function lambdaContext(remainingMs = 30_000): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'devhub-test-fn',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:devhub-test-fn',
    memoryLimitInMB: '256',
    awsRequestId: 'req-test-1',
    logGroupName: '/aws/lambda/devhub-test-fn',
    logStreamName: 'stream',
    getRemainingTimeInMillis: () => remainingMs,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export interface HttpRequestSpec {
  headers?: Record<string, string>;
  pathParameters?: Record<string, string>;
  query?: Record<string, string>;
  body?: string | Buffer;
}

/** An API Gateway HTTP API (payload 2.0) event for a route key such as `"GET /devices/{id}"`. */
export function gatewayEvent(routeKey: string, spec: HttpRequestSpec = {}): HttpEvent {
  const [method = 'GET', path = '/'] = routeKey.split(' ');
  const rawPath = path.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(spec.pathParameters?.[name] ?? name));
  const binaryBody = Buffer.isBuffer(spec.body);
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString: new URLSearchParams(spec.query ?? {}).toString(),
    headers: spec.headers ?? {},
    ...(spec.query ? { queryStringParameters: spec.query } : {}),
    ...(spec.pathParameters ? { pathParameters: spec.pathParameters } : {}),
    ...(spec.body !== undefined
      ? { body: binaryBody ? (spec.body as Buffer).toString('base64') : (spec.body as string), isBase64Encoded: binaryBody }
      : { isBase64Encoded: false }),
    requestContext: {
      accountId: '000000000000',
      apiId: 'api',
      domainName: 'api.example.test',
      domainPrefix: 'api',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest' },
      requestId: 'gw-req-1',
      routeKey,
      stage: '$default',
      time: '01/Dec/2026:00:00:00 +0000',
      timeEpoch: 0,
    },
  };
}

/** A Lambda function URL event: no route key, no path parameters, the raw path as sent. */
export function functionUrlEvent(method: string, rawPath: string, spec: Omit<HttpRequestSpec, 'pathParameters'> = {}): HttpEvent {
  const event = gatewayEvent(`${method} ${rawPath}`, spec);
  return {
    ...event,
    routeKey: '$default',
    rawPath,
    requestContext: { ...event.requestContext, domainName: 'abc.lambda-url.us-east-1.on.aws', routeKey: '$default' },
  };
}

/** A WebSocket API event for a connection. */
export function wsEvent(routeKey: string, connectionId: string, extra: Partial<WsEvent> = {}): WsEvent {
  return {
    headers: {},
    isBase64Encoded: false,
    ...extra,
    requestContext: {
      connectionId,
      routeKey,
      domainName: 'ws.example.test',
      stage: 'dev',
      ...(extra.requestContext ?? {}),
    },
  } as WsEvent;
}

/** The parts of an HTTP answer tests assert on; the body parsed as JSON when it is some. */
export function parsed(result: HttpResult): {
  status: number;
  errorCode: string | undefined;
  body: unknown;
  headers: Record<string, string>;
} {
  const text = result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64').toString('utf8') : (result.body ?? '');
  let body: unknown = text;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  const headers = (result.headers ?? {}) as Record<string, string>;
  return { status: result.statusCode, errorCode: headers['iothub-errorcode'], body, headers };
}

/** An authenticator whose answer a test sets: the policy/device token `good` passes, anything else is a 401. */
export function tokenGate(): jest.Mock<Promise<void>, [string | undefined, string?]> {
  return jest.fn((authorization: string | undefined) =>
    authorization === 'good' ? Promise.resolve() : Promise.reject(new UnauthorizedError()),
  );
}
