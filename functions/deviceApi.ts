/** The device-facing HTTPS API (IoT Hub's device contract): telemetry and cloud-to-device receive. */
import middy from '@middy/core';
import { createAwsClients } from '../lib/adapters/aws/awsClients';
import type { CommandQueue } from '../lib/c2d/commandQueue';
import type { DeviceAction } from '../lib/c2d/stateMachine';
import { completeOrReject, lockTimeoutMs, receiveHeaders, requestedLockTimeout, unquoteLockToken } from '../lib/c2d/wire';
import { loadConfig, type HubConfig } from '../lib/config';
import { parseTelemetryRequest } from '../lib/d2c/telemetry';
import type { TelemetryService } from '../lib/d2c/telemetryService';
import { createHub, type Hub } from '../lib/hub';
import { httpDeadline, observability } from '../lib/http/middleware';
import { httpPlumbing } from '../lib/http/plumbing';
import { C2D_SEGMENTS, deviceRouteKeys } from '../lib/http/deviceRoutes';
import { functionUrlHost } from '../lib/http/functionUrl';
import { headers, type HttpEvent, pathParam, queryParameters, rawBody } from '../lib/http/request';
import { binary, noContent } from '../lib/http/response';
import { routeTable, type RouteHandler } from '../lib/http/routes';

/** The use cases this handler needs: the hub's, or fakes in its unit test. */
export interface DeviceApiDeps {
  config: Pick<HubConfig, 'c2d'>;
  admitDevice: Hub['admitDevice'];
  receiveCommand: Hub['receiveCommand'];
  telemetry: Pick<TelemetryService, 'accept'>;
  commands: Pick<CommandQueue, 'settleByDevice'>;
}

async function sendEvents(hub: DeviceApiDeps, event: HttpEvent) {
  const deviceId = pathParam(event, 'id');
  const h = headers(event);
  const device = await hub.admitDevice(h.authorization, deviceId, functionUrlHost(event));
  const messages = parseTelemetryRequest(h['content-type'], h, rawBody(event));
  await hub.telemetry.accept(device, messages, 'https');
  return noContent();
}

async function receiveCommand(hub: DeviceApiDeps, event: HttpEvent) {
  const h = headers(event);
  const device = await hub.admitDevice(h.authorization, pathParam(event, 'id'), functionUrlHost(event));
  const lockMs = lockTimeoutMs(requestedLockTimeout(h, queryParameters(event)), hub.config.c2d);
  const record = await hub.receiveCommand(h.authorization, device, lockMs, functionUrlHost(event));
  if (!record) return noContent();
  return binary(200, record.body ?? Buffer.alloc(0), receiveHeaders(record));
}

function settleCommand(hub: DeviceApiDeps, action: DeviceAction | 'completeOrReject'): RouteHandler {
  return async (event) => {
    const h = headers(event);
    const deviceId = pathParam(event, 'id');
    await hub.admitDevice(h.authorization, deviceId, functionUrlHost(event));
    const resolved = action === 'completeOrReject' ? completeOrReject(queryParameters(event)) : action;
    await hub.commands.settleByDevice(deviceId, unquoteLockToken(pathParam(event, 'lockToken')), resolved);
    return noContent();
  };
}

const commandRoutes = (hub: DeviceApiDeps): Record<string, RouteHandler> =>
  Object.fromEntries(
    C2D_SEGMENTS.flatMap((segment) => [
      [deviceRouteKeys.receive(segment), (event: HttpEvent) => receiveCommand(hub, event)],
      [deviceRouteKeys.completeOrReject(segment), settleCommand(hub, 'completeOrReject')],
      [deviceRouteKeys.abandon(segment), settleCommand(hub, 'abandon')],
    ]),
  );

export const makeHandler = (hub: DeviceApiDeps) =>
  middy(
    routeTable({
      [deviceRouteKeys.send]: (event) => sendEvents(hub, event),
      ...commandRoutes(hub),
    }),
    httpDeadline,
  )
    .use(observability())
    .use(httpPlumbing());

export const handler = makeHandler(createHub(loadConfig(), createAwsClients()));
