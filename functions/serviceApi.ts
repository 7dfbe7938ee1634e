/** The service-facing registry REST API (devices, bulk operations, the calling policy). Policy-authenticated. */
import middy from '@middy/core';
import { createAwsClients } from '../lib/adapters/aws/awsClients';
import { loadConfig, type HubConfig } from '../lib/config';
import type { Authenticator } from '../lib/auth';
import { createHub, type Hub } from '../lib/hub';
import { httpDeadline, observability } from '../lib/http/middleware';
import { httpPlumbing } from '../lib/http/plumbing';
import { headers, type HttpEvent, jsonBody, pathParam, query, textBody } from '../lib/http/request';
import { applyBulk } from '../lib/registry/bulk';
import type { RegistryService } from '../lib/registry/registryService';
import { json, noContent } from '../lib/http/response';
import { routeTable } from '../lib/http/routes';
import { grants, type Permission } from '../lib/policies';

/** The use cases this handler needs: the hub's, or fakes in its unit test. */
export interface RegistryApiDeps {
  config: Pick<HubConfig, 'hubName' | 'hubHostname' | 'deviceHostnames'>;
  auth: Pick<Authenticator, 'authenticateService' | 'identifyService'>;
  registry: Pick<RegistryService, 'put' | 'get' | 'list' | 'delete'>;
  describeDevice: Hub['describeDevice'];
}

async function authorize(hub: RegistryApiDeps, event: HttpEvent, permission: Permission): Promise<Record<string, string | undefined>> {
  const h = headers(event);
  await hub.auth.authenticateService(h.authorization, permission);
  return h;
}

async function putDevice(hub: RegistryApiDeps, event: HttpEvent) {
  const h = await authorize(hub, event, 'RegistryWrite');
  const deviceId = pathParam(event, 'id');
  const { device } = await hub.registry.put(deviceId, textBody(event), h['if-match']);
  return json(200, device, { etag: `"${device.etag}"` });
}

async function getDevice(hub: RegistryApiDeps, event: HttpEvent) {
  await authorize(hub, event, 'RegistryRead');
  const device = await hub.registry.get(pathParam(event, 'id'));
  return json(200, await hub.describeDevice(device), { etag: `"${device.etag}"` });
}

async function listDevices(hub: RegistryApiDeps, event: HttpEvent) {
  const h = await authorize(hub, event, 'RegistryRead');
  const page = await hub.registry.list(query(event, 'top'), h['x-ms-continuation'] ?? query(event, 'continuationToken'));
  const devices = await Promise.all(page.devices.map((d) => hub.describeDevice(d)));
  return json(200, devices, page.continuationToken ? { 'x-ms-continuation': page.continuationToken } : {});
}

async function deleteDevice(hub: RegistryApiDeps, event: HttpEvent) {
  const h = await authorize(hub, event, 'RegistryWrite');
  const deviceId = pathParam(event, 'id');
  await hub.registry.delete(deviceId, h['if-match']);
  return noContent();
}

/** IoT Hub's bulk registry operation (azure-iothub addDevices / updateDevices / removeDevices). */
async function bulkDevices(hub: RegistryApiDeps, event: HttpEvent) {
  await authorize(hub, event, 'RegistryWrite');
  const result = await applyBulk(hub.registry, jsonBody(event));
  return json(200, result);
}

/** The calling policy and what it may do (no keys): lets a client such as the console show only what it can use. */
async function currentPolicy(hub: RegistryApiDeps, event: HttpEvent) {
  const policy = await hub.auth.identifyService(headers(event).authorization);
  const permissions = (['RegistryRead', 'RegistryWrite', 'ServiceConnect'] as const).filter((p) => grants(policy, p));
  // deviceHostName: the host device connection strings name (the device front door; README "Deploying").
  const deviceHostName = hub.config.deviceHostnames[0] ?? hub.config.hubHostname;
  return json(200, { policy: policy.name, permissions, hubName: hub.config.hubName, hostName: hub.config.hubHostname, deviceHostName });
}

export const makeHandler = (hub: RegistryApiDeps) =>
  middy(
    routeTable({
      'PUT /devices/{id}': (event) => putDevice(hub, event),
      'GET /devices/{id}': (event) => getDevice(hub, event),
      'GET /devices': (event) => listDevices(hub, event),
      'POST /devices': (event) => bulkDevices(hub, event),
      'DELETE /devices/{id}': (event) => deleteDevice(hub, event),
      'GET /auth/policy': (event) => currentPolicy(hub, event),
    }),
    httpDeadline,
  )
    .use(observability())
    .use(httpPlumbing());

export const handler = makeHandler(createHub(loadConfig(), createAwsClients()));
