/**
 * The middy middlewares every handler uses: observability (Powertools Logger context, Tracer,
 * the hub's metrics, correlation fields) and, for HTTP handlers, the one place errors become
 * responses.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { ServiceUnavailableError } from '../errors';
import { lockTokenPrefix, log } from '../log';
import { devicePathParameters } from './functionUrl';
import { metrics, type MetricsRecorder } from '../metrics';
import { tracer } from '../tracing';
import { errorResponse } from './response';

/**
 * Every HTTP handler answers by its function's timeout minus this margin: a dependency that
 * hangs (SDK retries x request timeout can outlast any function) then yields the hub's own
 * `503 ServiceUnavailable` (retryable, nothing acknowledged) instead of a Lambda timeout that
 * API Gateway would turn into a bare 500/503. Enforced by middy's early timeout, which races
 * the handler against `context.getRemainingTimeInMillis()` (serverless offline provides it too).
 */
export const DEADLINE_MARGIN_MS = 1500;

/** `middy(handler, httpDeadline)`: the early-timeout answer goes through hubErrors like any error. */
export const httpDeadline = {
  timeoutEarlyInMillis: DEADLINE_MARGIN_MS,
  timeoutEarlyResponse: (): never => {
    throw new ServiceUnavailableError('The hub could not finish the request in time; retry it');
  },
};

export function hubErrors<TEvent, TResult>(): MiddlewareObj<TEvent, TResult, Error, Context> {
  return {
    onError: (request) => {
      // middy types `response` as the handler's result type; ours is always an HttpResult.
      request.response = errorResponse(request.error, request.context.awsRequestId) as TResult;
    },
  };
}

/**
 * Ends every invocation (success or error) at the recorder, which publishes the metrics windows
 * that are due (lib/metrics.ts: aggregated over METRICS_FLUSH_INTERVAL_MS), and publishes the
 * ColdStart metric on a cold start. Powertools' own `logMetrics` middleware would publish (and
 * warn about) an empty set on every request that recorded nothing, cannot publish several
 * dimension sets and publishes per invocation; the recorder does all three.
 */
export function publishMetrics(recorder: MetricsRecorder = metrics): MiddlewareObj<unknown, unknown, Error, Context> {
  const end = () => recorder.endInvocation();
  return {
    before: (request) => recorder.sink.captureColdStartMetric(request.context.functionName),
    after: end,
    onError: end,
  };
}

interface CorrelatedEvent {
  pathParameters?: Record<string, string | undefined> | null;
  headers?: Record<string, string | undefined> | null;
  routeKey?: string;
  rawPath?: string;
  requestContext?: { connectionId?: string; routeKey?: string };
}

/**
 * The domain's correlation fields a request carries on its face, appended to every log line of
 * the invocation: device id, message id, lock token prefix (never the whole token), route or
 * endpoint name, WebSocket connection id. Pure: returns the keys for an event.
 */
export function correlationKeys(event: unknown): Record<string, string> {
  if (event === null || typeof event !== 'object') return {};
  const e = event as CorrelatedEvent;
  const keys: Record<string, string> = {};
  // A function URL event has no path parameters until the handler routes it (lib/http/functionUrl.ts).
  const path = e.pathParameters ?? (e.routeKey === '$default' && e.rawPath ? devicePathParameters(e.rawPath) : {});
  if (path.id) keys.deviceId = safeDecode(path.id);
  if (path.lockToken) keys.lockTokenPrefix = lockTokenPrefix(safeDecode(path.lockToken));
  if (path.name) keys[e.routeKey?.includes('/routes/') ? 'route' : 'endpoint'] = safeDecode(path.name);
  const messageId = Object.entries(e.headers ?? {}).find(([k]) => k.toLowerCase() === 'iothub-messageid')?.[1];
  if (messageId) keys.messageId = messageId.slice(0, 128);
  if (e.requestContext?.connectionId) keys.connectionId = e.requestContext.connectionId;
  return keys;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function correlate(): MiddlewareObj<unknown, unknown, Error, Context> {
  return { before: (request) => log.appendKeys(correlationKeys(request.event)) };
}

/**
 * Logger context (request id, function name, cold start; keys reset per invocation; the event
 * itself is never logged), tracing (responses are not captured: they carry message bodies),
 * correlation keys and metrics. Use first: `middy(fn).use(observability()).use(hubErrors())`.
 */
export function observability(): MiddlewareObj<unknown, unknown, Error, Context>[] {
  return [
    injectLambdaContext(log, { resetKeys: true, logEvent: false }) as MiddlewareObj<unknown, unknown, Error, Context>,
    ...(tracer ? [captureLambdaHandler(tracer, { captureResponse: false }) as MiddlewareObj<unknown, unknown, Error, Context>] : []),
    correlate(),
    publishMetrics(),
  ];
}
