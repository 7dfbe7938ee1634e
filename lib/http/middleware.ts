/** The middy error middleware every HTTP handler uses: the one place errors become responses. */
import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { ServiceUnavailableError } from '../errors';
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
