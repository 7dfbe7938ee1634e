/**
 * The HTTP plumbing every HTTP API handler runs through, after observability():
 * header names lower-cased (@middy/http-header-normalizer, maintained, does exactly what the
 * hand-written loop did), the body decoded (bodyDecoder), and every error mapped to IoT Hub's
 * status, code and body in one place (hubErrors).
 * `middy(handler, httpDeadline).use(observability()).use(httpPlumbing())`.
 */
import type { MiddlewareObj } from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { Context } from 'aws-lambda';
import { bodyDecoder } from './bodyDecoder';
import { hubErrors } from './middleware';
import type { HttpEvent } from './request';

export function httpPlumbing<TResult>(): MiddlewareObj<HttpEvent, TResult, Error, Context>[] {
  return [
    // Lower-case names only (canonical: false); of two spellings of one name, the later wins.
    httpHeaderNormalizer({ canonical: false }) as MiddlewareObj<HttpEvent, TResult, Error, Context>,
    bodyDecoder() as MiddlewareObj<HttpEvent, TResult, Error, Context>,
    hubErrors<HttpEvent, TResult>(),
  ];
}
