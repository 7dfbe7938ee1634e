/** The middy error middleware every HTTP handler uses: the one place errors become responses. */
import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { errorResponse } from './response';

export function hubErrors<TEvent, TResult>(): MiddlewareObj<TEvent, TResult, Error, Context> {
  return {
    onError: (request) => {
      // middy types `response` as the handler's result type; ours is always an HttpResult.
      request.response = errorResponse(request.error, request.context.awsRequestId) as TResult;
    },
  };
}
