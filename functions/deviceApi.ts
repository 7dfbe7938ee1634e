/** The device-facing HTTPS API (IoT Hub's device contract): telemetry and cloud-to-device receive. */
import middy from '@middy/core';
import { createAwsClients } from '../lib/aws/clients';
import type { DeviceAction } from '../lib/c2d/stateMachine';
import { completeOrReject, lockTimeoutMs, receiveHeaders, requestedLockTimeout, unquoteLockToken } from '../lib/c2d/wire';
import { loadConfig } from '../lib/config';
import { parseTelemetryRequest } from '../lib/d2c/telemetry';
import { createHub } from '../lib/hub';
import { httpDeadline, observability } from '../lib/http/middleware';
import { httpPlumbing } from '../lib/http/plumbing';
import { headers, type HttpEvent, pathParam, queryParameters, rawBody } from '../lib/http/request';
import { binary, noContent } from '../lib/http/response';
import { routeTable, type RouteHandler } from '../lib/http/routes';

const hub = createHub(loadConfig(), createAwsClients());

async function sendEvents(event: HttpEvent) {
  const deviceId = pathParam(event, 'id');
  const h = headers(event);
  const device = await hub.admitDevice(h.authorization, deviceId);
  const messages = parseTelemetryRequest(h['content-type'], h, rawBody(event));
  await hub.telemetry.accept(device, messages, 'https');
  return noContent();
}

async function receiveCommand(event: HttpEvent) {
  const h = headers(event);
  const device = await hub.admitDevice(h.authorization, pathParam(event, 'id'));
  const lockMs = lockTimeoutMs(requestedLockTimeout(h, queryParameters(event)), hub.config.c2d);
  const record = await hub.receiveCommand(h.authorization, device, lockMs);
  if (!record) return noContent();
  return binary(200, record.body ?? Buffer.alloc(0), receiveHeaders(record));
}

function settleCommand(action: DeviceAction | 'completeOrReject'): RouteHandler {
  return async (event) => {
    const h = headers(event);
    const deviceId = pathParam(event, 'id');
    await hub.admitDevice(h.authorization, deviceId);
    const resolved = action === 'completeOrReject' ? completeOrReject(queryParameters(event)) : action;
    await hub.commands.settleByDevice(deviceId, unquoteLockToken(pathParam(event, 'lockToken')), resolved);
    return noContent();
  };
}

// Device SDKs spell the segment both "devicebound" and "deviceBound"; HTTP API paths are case-sensitive.
const commandRoutes = Object.fromEntries(
  ['devicebound', 'deviceBound'].flatMap((segment) => [
    [`GET /devices/{id}/messages/${segment}`, receiveCommand],
    [`DELETE /devices/{id}/messages/${segment}/{lockToken}`, settleCommand('completeOrReject')],
    [`POST /devices/{id}/messages/${segment}/{lockToken}/abandon`, settleCommand('abandon')],
  ]),
) as Record<string, RouteHandler>;

export const handler = middy(
  routeTable({
    'POST /devices/{id}/messages/events': sendEvents,
    ...commandRoutes,
  }),
  httpDeadline,
)
  .use(observability())
  .use(httpPlumbing());
