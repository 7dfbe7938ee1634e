/** Building API Gateway HTTP API responses, and the one mapping from errors to responses. */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { isHubError } from '../errors';
import { errorFields, log } from '../log';

export type HttpResult = APIGatewayProxyStructuredResultV2 & { statusCode: number; headers: Record<string, string> };

export function json(statusCode: number, body: unknown, extraHeaders: Record<string, string> = {}): HttpResult {
  return { statusCode, headers: { 'content-type': 'application/json; charset=utf-8', ...extraHeaders }, body: JSON.stringify(body) };
}

export function noContent(extraHeaders: Record<string, string> = {}): HttpResult {
  return { statusCode: 204, headers: extraHeaders, body: '' };
}

export function binary(statusCode: number, body: Buffer, extraHeaders: Record<string, string>): HttpResult {
  return { statusCode, headers: extraHeaders, body: body.toString('base64'), isBase64Encoded: true };
}

/** IoT Hub's error body: {"Message": "...", "ExceptionMessage": "ErrorCode:...;..."}. */
export function errorBody(code: string, message: string, trackingId: string): { Message: string; ExceptionMessage: string } {
  return {
    Message: `ErrorCode:${code};${message}`,
    ExceptionMessage: `ErrorCode:${code};Tracking ID:${trackingId};Timestamp:${new Date().toISOString()}`,
  };
}

/** Maps any error to a response. Unknown errors become a 500 that reveals nothing. */
export function errorResponse(err: unknown, requestId: string): HttpResult {
  if (isHubError(err)) {
    if (err.status >= 500) log.warn('request failed', { requestId, status: err.status, code: err.code, ...errorFields(err) });
    // The caller's mistakes are routine: visible at DEBUG (or in sampled invocations) only.
    else log.debug('request refused', { status: err.status, code: err.code });
    return json(err.status, errorBody(err.code, err.message, requestId), { 'iothub-errorcode': err.code, ...err.headers });
  }
  log.error('unhandled error', { requestId, ...errorFields(err) });
  return json(500, errorBody('ServerError', 'An internal error occurred', requestId), { 'iothub-errorcode': 'ServerError' });
}
