/**
 * The HTTP plumbing chain over plain request objects: each middleware's before/onError run as
 * middy runs them (before in order, onError in reverse), without the Lambda runtime.
 */
import type { MiddlewareObj, Request } from '@middy/core';
import type { Context } from 'aws-lambda';
import { BadRequestError, NotFoundError } from '../errors';
import { httpPlumbing } from './plumbing';
import { headers, rawBody, type HttpEvent } from './request';
import type { HttpResult } from './response';

type Chain = MiddlewareObj<HttpEvent, HttpResult, Error, Context>[];

function request(event: Partial<HttpEvent>): Request<HttpEvent, HttpResult, Error, Context> {
  return {
    event: event as HttpEvent,
    context: { awsRequestId: 'req-1' } as Context,
    response: undefined,
    error: undefined,
    internal: {},
  } as unknown as Request<HttpEvent, HttpResult, Error, Context>;
}

async function before(chain: Chain, req: Request<HttpEvent, HttpResult, Error, Context>) {
  for (const m of chain) await m.before?.(req);
}

async function onError(chain: Chain, req: Request<HttpEvent, HttpResult, Error, Context>, error: Error) {
  req.error = error;
  for (const m of [...chain].reverse()) await m.onError?.(req);
}

describe('httpPlumbing', () => {
  it('lower-cases header names (the later of two spellings wins) and decodes the body', async () => {
    const req = request({
      headers: { Authorization: 'a', 'IoTHub-App-Temp': '21', 'iothub-messageid': 'first', 'IOTHUB-MESSAGEID': 'second' },
      body: Buffer.from([0, 255]).toString('base64'),
      isBase64Encoded: true,
    });
    await before(httpPlumbing<HttpResult>(), req);
    expect(headers(req.event)).toEqual({ authorization: 'a', 'iothub-app-temp': '21', 'iothub-messageid': 'second' });
    expect([...rawBody(req.event)]).toEqual([0, 255]);
  });

  it('maps a hub error to its status, IoT Hub error code header and body', async () => {
    const req = request({ headers: {} });
    await onError(httpPlumbing<HttpResult>(), req, new NotFoundError('Device d1 not found'));
    expect(req.response?.statusCode).toBe(404);
    expect(req.response?.headers['iothub-errorcode']).toBe('DeviceNotFound');
    expect(JSON.parse(String(req.response?.body))).toEqual({
      Message: expect.stringMatching(/^ErrorCode:DeviceNotFound;/),
      ExceptionMessage: expect.stringMatching(/^ErrorCode:DeviceNotFound;Tracking ID:req-1;/),
    });
    await onError(httpPlumbing<HttpResult>(), req, new BadRequestError('bad', 'ArgumentInvalid'));
    expect([req.response?.statusCode, req.response?.headers['iothub-errorcode']]).toEqual([400, 'ArgumentInvalid']);
  });

  it('answers an unknown error with a 500 that reveals nothing', async () => {
    const req = request({ headers: {} });
    await onError(httpPlumbing<HttpResult>(), req, new Error('secret detail'));
    expect(req.response?.statusCode).toBe(500);
    expect(req.response?.headers['iothub-errorcode']).toBe('ServerError');
    expect(String(req.response?.body)).not.toContain('secret');
  });
});
