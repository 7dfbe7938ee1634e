/** The service-facing REST API: registry (and later commands, routing). Policy-authenticated. */
import middy from '@middy/core';
import { createAwsClients } from '../lib/aws/clients';
import { loadConfig } from '../lib/config';
import { createHub } from '../lib/hub';
import { httpDeadline, hubErrors, observability } from '../lib/http/middleware';
import { headers, type HttpEvent, jsonBody, pathParam, query, textBody } from '../lib/http/request';
import { applyBulk } from '../lib/registry/bulk';
import { json, noContent } from '../lib/http/response';
import { routeTable } from '../lib/http/routes';
import { grants, type Permission } from '../lib/policies';

const hub = createHub(loadConfig(), createAwsClients());

async function authorize(event: HttpEvent, permission: Permission): Promise<Record<string, string | undefined>> {
  const h = headers(event);
  await hub.auth.authenticateService(h.authorization, permission);
  return h;
}

async function putDevice(event: HttpEvent) {
  const h = await authorize(event, 'RegistryWrite');
  const deviceId = pathParam(event, 'id');
  const { device } = await hub.registry.put(deviceId, textBody(event), h['if-match']);
  hub.auth.forgetDevice(deviceId);
  return json(200, device, { etag: `"${device.etag}"` });
}

async function getDevice(event: HttpEvent) {
  await authorize(event, 'RegistryRead');
  const device = await hub.registry.get(pathParam(event, 'id'));
  return json(200, await hub.describeDevice(device), { etag: `"${device.etag}"` });
}

async function listDevices(event: HttpEvent) {
  const h = await authorize(event, 'RegistryRead');
  const page = await hub.registry.list(query(event, 'top'), h['x-ms-continuation'] ?? query(event, 'continuationToken'));
  const devices = await Promise.all(page.devices.map((d) => hub.describeDevice(d)));
  return json(200, devices, page.continuationToken ? { 'x-ms-continuation': page.continuationToken } : {});
}

async function deleteDevice(event: HttpEvent) {
  const h = await authorize(event, 'RegistryWrite');
  const deviceId = pathParam(event, 'id');
  await hub.registry.delete(deviceId, h['if-match']);
  hub.auth.forgetDevice(deviceId);
  return noContent();
}

/** IoT Hub's bulk registry operation (azure-iothub addDevices / updateDevices / removeDevices). */
async function bulkDevices(event: HttpEvent) {
  await authorize(event, 'RegistryWrite');
  const result = await applyBulk(hub.registry, jsonBody(event));
  return json(200, result);
}

/** The calling policy and what it may do (no keys): lets a client such as the console show only what it can use. */
async function currentPolicy(event: HttpEvent) {
  const policy = await hub.auth.identifyService(headers(event).authorization);
  const permissions = (['RegistryRead', 'RegistryWrite', 'ServiceConnect'] as const).filter((p) => grants(policy, p));
  // deviceHostName: the host device connection strings name (the device front door; README "Deploying").
  const deviceHostName = hub.config.deviceHostnames[0] ?? hub.config.hubHostname;
  return json(200, { policy: policy.name, permissions, hubName: hub.config.hubName, hostName: hub.config.hubHostname, deviceHostName });
}

export const handler = middy(
  routeTable({
    'PUT /devices/{id}': putDevice,
    'GET /devices/{id}': getDevice,
    'GET /devices': listDevices,
    'POST /devices': bulkDevices,
    'DELETE /devices/{id}': deleteDevice,
    'GET /auth/policy': currentPolicy,
  }),
  httpDeadline,
)
  .use(observability())
  .use(hubErrors());
