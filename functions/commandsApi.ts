/** The service side of cloud-to-device: send a command, purge a device's queue. ServiceConnect policies only. */
import middy from '@middy/core';
import { createAwsClients } from '../lib/aws/clients';
import { parseSendRequest } from '../lib/c2d/wire';
import { loadConfig } from '../lib/config';
import { createHub } from '../lib/hub';
import { hubErrors, observability } from '../lib/http/middleware';
import { headers, pathParam, rawBody, type HttpEvent } from '../lib/http/request';
import { json } from '../lib/http/response';
import { routeTable } from '../lib/http/routes';
import { validateDeviceId } from '../lib/registry/device';
import { createCommandPush } from '../lib/ws/compose';

const clients = createAwsClients();
const hub = createHub(loadConfig(), clients);
const pushToDevice = createCommandPush(hub, clients);

async function sendCommand(event: HttpEvent) {
  const h = headers(event);
  await hub.auth.authenticateService(h.authorization, 'ServiceConnect');
  const request = parseSendRequest(h, rawBody(event), Date.now(), hub.config.c2d);
  const device = await hub.devices.require(validateDeviceId(pathParam(event, 'id')));
  const record = await hub.commands.send(device, request.content, request.body, request.expiresAtMs);
  // Durably queued: now offer it to the device's socket, if it holds one.
  await pushToDevice(device.deviceId);
  return json(202, { messageId: record.messageId, sequenceNumber: record.sequenceNumber });
}

async function purgeCommands(event: HttpEvent) {
  const h = headers(event);
  await hub.auth.authenticateService(h.authorization, 'ServiceConnect');
  const deviceId = validateDeviceId(pathParam(event, 'id'));
  await hub.devices.require(deviceId);
  const totalMessagesPurged = await hub.commands.purge(deviceId);
  return json(200, { deviceId, totalMessagesPurged });
}

export const handler = middy(
  routeTable({
    'POST /devices/{id}/messages/devicebound': sendCommand,
    'DELETE /devices/{id}/commands': purgeCommands,
  }),
)
  .use(observability())
  .use(hubErrors());
