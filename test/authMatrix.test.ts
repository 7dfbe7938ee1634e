/**
 * The authorization matrix: every service route with no token, an expired token, a device
 * token and each built-in policy, against the permission the route needs; every device route
 * with another device's token (and a policy token). Prints the matrix; every cell must match
 * the one computed from the declared permission map.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { newDevice, service, uniqueId } from './support/hub';
import { C2D_SEGMENTS } from '../lib/http/deviceRoutes';
import { BUILT_IN_POLICIES, grants, type Permission } from '../lib/policies';
import {
  BUILT_IN_POLICY_NAMES,
  deviceToken,
  nowSeconds,
  policyDeviceToken,
  policyToken,
  rawRequest,
  readPolicies,
} from './support/security';

interface ServiceRoute {
  /** The route key exactly as the handler's route table names it. */
  route: string;
  permission: Permission;
  /** A concrete request: harmless for the hub (unknown names, invalid bodies) once authorized. */
  path: string;
  body?: string;
}

const missing = uniqueId('authz-missing');

/** Declared from the route tables of functions/serviceApi.ts, commandsApi.ts and routingApi.ts. */
const SERVICE_ROUTES: ServiceRoute[] = [
  // serviceApi (registry)
  { route: 'PUT /devices/{id}', permission: 'RegistryWrite', path: `/devices/${missing}`, body: '{"status":"not-a-status"}' },
  { route: 'GET /devices/{id}', permission: 'RegistryRead', path: `/devices/${missing}` },
  { route: 'GET /devices', permission: 'RegistryRead', path: '/devices?top=1' },
  { route: 'POST /devices', permission: 'RegistryWrite', path: '/devices', body: '{"not":"an array"}' },
  { route: 'DELETE /devices/{id}', permission: 'RegistryWrite', path: `/devices/${missing}` },
  // commandsApi (cloud-to-device)
  {
    route: 'POST /devices/{id}/messages/devicebound',
    permission: 'ServiceConnect',
    path: `/devices/${missing}/messages/devicebound`,
    body: 'cmd',
  },
  { route: 'DELETE /devices/{id}/commands', permission: 'ServiceConnect', path: `/devices/${missing}/commands` },
  // An allowed GET locks one waiting feedback batch for the lock timeout (it becomes visible again); unknown lock tokens change nothing.
  { route: 'GET /messages/serviceBound/feedback', permission: 'ServiceConnect', path: '/messages/serviceBound/feedback' },
  {
    route: 'DELETE /messages/serviceBound/feedback/{lockToken}',
    permission: 'ServiceConnect',
    path: '/messages/serviceBound/feedback/bm8tc3VjaC1sb2Nr',
  },
  {
    route: 'POST /messages/serviceBound/feedback/{lockToken}/abandon',
    permission: 'ServiceConnect',
    path: '/messages/serviceBound/feedback/bm8tc3VjaC1sb2Nr/abandon',
  },
  { route: 'GET /devices/{id}/commands', permission: 'ServiceConnect', path: `/devices/${missing}/commands` },
  { route: 'POST /feedback/receive', permission: 'ServiceConnect', path: '/feedback/receive', body: '{"originalMessageIds":[]}' },
  // eventsApi (the built-in stream over HTTPS)
  { route: 'GET /events', permission: 'ServiceConnect', path: '/events?top=1&from=trim-horizon' },
  // routingApi
  { route: 'PUT /endpoints/{name}', permission: 'RegistryWrite', path: `/endpoints/${missing}`, body: '{"type":"no-such-type"}' },
  { route: 'GET /endpoints', permission: 'RegistryRead', path: '/endpoints' },
  { route: 'GET /endpoints/{name}', permission: 'RegistryRead', path: `/endpoints/${missing}` },
  { route: 'DELETE /endpoints/{name}', permission: 'RegistryWrite', path: `/endpoints/${missing}` },
  { route: 'GET /endpoints/{name}/health', permission: 'RegistryRead', path: `/endpoints/${missing}/health` },
  { route: 'GET /routing/health', permission: 'RegistryRead', path: '/routing/health' },
  {
    route: 'PUT /routes/{name}',
    permission: 'RegistryWrite',
    path: `/routes/${missing}`,
    body: '{"source":"DeviceMessages","condition":"(","endpoint":"x"}',
  },
  { route: 'GET /routes', permission: 'RegistryRead', path: '/routes' },
  { route: 'GET /routes/{name}', permission: 'RegistryRead', path: `/routes/${missing}` },
  { route: 'DELETE /routes/{name}', permission: 'RegistryWrite', path: `/routes/${missing}` },
  { route: 'POST /routes/test', permission: 'ServiceConnect', path: '/routes/test', body: '{"condition":"true","message":{}}' },
  { route: 'PUT /routing/fallback', permission: 'RegistryWrite', path: '/routing/fallback', body: '{"endpoint":""}' },
  { route: 'GET /routing/fallback', permission: 'RegistryRead', path: '/routing/fallback' },
  { route: 'DELETE /routing/fallback', permission: 'RegistryWrite', path: '/routing/fallback' },
  {
    route: 'PUT /endpoints/{name}/enrichments/{key}',
    permission: 'RegistryWrite',
    path: `/endpoints/${missing}/enrichments/k`,
    body: '{"value":"v"}',
  },
  { route: 'DELETE /endpoints/{name}/enrichments/{key}', permission: 'RegistryWrite', path: `/endpoints/${missing}/enrichments/k` },
  { route: 'GET /enrichments', permission: 'RegistryRead', path: '/enrichments' },
  { route: 'GET /routing/deadletters', permission: 'ServiceConnect', path: '/routing/deadletters?top=1' },
  { route: 'POST /routing/deadletters/redrive', permission: 'ServiceConnect', path: '/routing/deadletters/redrive', body: '{"max":0}' },
];

const DEVICE_ROUTES = [
  'POST /devices/{id}/messages/events',
  'GET /devices/{id}/messages/devicebound',
  'GET /devices/{id}/messages/deviceBound',
  'DELETE /devices/{id}/messages/devicebound/{lockToken}',
  'DELETE /devices/{id}/messages/deviceBound/{lockToken}',
  'POST /devices/{id}/messages/devicebound/{lockToken}/abandon',
  'POST /devices/{id}/messages/deviceBound/{lockToken}/abandon',
];

/** Any valid policy token, whatever its permissions (it names them). */
const ANY_POLICY_ROUTES = ['GET /auth/policy'];

/** The web console's static files: no credentials (the page signs its own API calls). */
const PUBLIC_ROUTES = ['GET /console', 'GET /console/{file}'];

const CREDENTIALS = ['none', 'expired', 'device token', ...BUILT_IN_POLICY_NAMES] as const;
type Credential = (typeof CREDENTIALS)[number];

/** What the design says: 401 unless a valid policy; 403 for a policy without the permission; else allowed. */
function expected(credential: Credential, permission: Permission): '401' | '403' | 'allowed' {
  if (credential === 'none' || credential === 'expired' || credential === 'device token') return '401';
  return grants({ permissions: [...(BUILT_IN_POLICIES[credential] ?? [])] }, permission) ? 'allowed' : '403';
}

function cell(status: number): '401' | '403' | 'allowed' | string {
  if (status === 401 || status === 403) return String(status);
  return status >= 200 && status < 500 ? 'allowed' : `unexpected ${status}`;
}

describe('authorization matrix', () => {
  it('covers every HTTP route serverless.yml declares', () => {
    type HttpEvents = { httpApi?: { method: string; path: string } }[];
    const config = parse(readFileSync(resolve(__dirname, '../serverless.yml'), 'utf8')) as {
      functions: Record<string, { events?: HttpEvents | string }>;
      custom: { deviceRoutes: HttpEvents };
    };
    // The device function's routes are chosen by the deviceFrontDoor parameter (custom.deviceRoutes).
    const declared = [...Object.values(config.functions).map((f) => f.events ?? []), config.custom.deviceRoutes]
      .flatMap((events) => (Array.isArray(events) ? events : []))
      .flatMap((e) => (e.httpApi ? [`${e.httpApi.method} ${e.httpApi.path}`] : []))
      // One `{segment}` route serves both spellings of the cloud-to-device segment (README "The device front door").
      .flatMap((route) => (route.includes('{segment}') ? C2D_SEGMENTS.map((s) => route.replace('{segment}', s)) : [route]))
      .sort();
    expect([...SERVICE_ROUTES.map((r) => r.route), ...DEVICE_ROUTES, ...ANY_POLICY_ROUTES, ...PUBLIC_ROUTES].sort()).toEqual(declared);
  });

  it('GET /auth/policy takes any policy and nothing else; the console files take no credentials', async () => {
    const policies = await readPolicies();
    const { device } = await newDevice('authz-any');
    const owner = policies.get('iothubowner');
    if (!owner) throw new Error('no iothubowner policy');
    const refused = [
      undefined,
      policyToken(owner, nowSeconds() - 60),
      deviceToken(device.deviceId, device.authentication.symmetricKey.primaryKey),
    ];
    for (const token of refused) {
      const res = await rawRequest({ method: 'GET', path: '/auth/policy', headers: token ? { authorization: token } : {} });
      expect(res.status).toBe(401);
    }
    for (const name of BUILT_IN_POLICY_NAMES) {
      const policy = policies.get(name);
      if (!policy) throw new Error(`no ${name} policy`);
      expect([
        name,
        (await rawRequest({ method: 'GET', path: '/auth/policy', headers: { authorization: policyToken(policy) } })).status,
      ]).toEqual([name, 200]);
    }
    for (const path of ['/console', '/console/app.js'])
      expect([path, (await rawRequest({ method: 'GET', path })).status]).toEqual([path, 200]);
  });

  it('every service route × credential matches the permission map', async () => {
    const policies = await readPolicies();
    const { device } = await newDevice('authz-device');
    const tokens: Record<Credential, string | undefined> = {
      none: undefined,
      expired: (() => {
        const owner = policies.get('iothubowner');
        if (!owner) throw new Error('no iothubowner policy');
        return policyToken(owner, nowSeconds() - 60);
      })(),
      'device token': deviceToken(device.deviceId, device.authentication.symmetricKey.primaryKey),
      iothubowner: undefined,
      device: undefined,
      service: undefined,
      registryRead: undefined,
      registryReadWrite: undefined,
    };
    for (const name of BUILT_IN_POLICY_NAMES) {
      const policy = policies.get(name);
      if (!policy) throw new Error(`no ${name} policy in the hub`);
      expect([...policy.permissions].sort()).toEqual([...(BUILT_IN_POLICIES[name] ?? [])].sort());
      tokens[name] = policyToken(policy);
    }

    // DELETE /routing/fallback really deletes when allowed: put back whatever was there.
    const svcOwner = service();
    const fallbackBefore = await svcOwner.call('GET', '/routing/fallback');

    const rows: Record<string, Record<string, string>> = {};
    const mismatches: string[] = [];
    try {
      for (const r of SERVICE_ROUTES) {
        const row: Record<string, string> = { permission: r.permission };
        for (const credential of CREDENTIALS) {
          const token = tokens[credential];
          const res = await rawRequest({
            method: r.route.split(' ')[0] ?? 'GET',
            path: r.path,
            headers: { ...(token ? { authorization: token } : {}), 'content-type': 'application/json' },
            ...(r.body !== undefined ? { body: r.body } : {}),
          });
          const want = expected(credential, r.permission);
          const got = cell(res.status);
          row[credential] = got === want ? String(res.status) : `${res.status}≠${want}`;
          if (got !== want) mismatches.push(`${r.route} with ${credential}: ${res.status} (${res.text().slice(0, 120)}), expected ${want}`);
        }
        rows[r.route] = row;
      }
    } finally {
      if (fallbackBefore.status === 200)
        await svcOwner.call('PUT', '/routing/fallback', { headers: { 'content-type': 'application/json' }, body: fallbackBefore.body });
    }
    console.log('Service routes × credentials (status; 401/403 refused, others reached the handler)');
    console.table(rows);
    expect(mismatches).toEqual([]);
  });

  it("every device route refuses another device's token and a policy token without DeviceConnect with 401, and accepts DeviceConnect", async () => {
    const target = await newDevice('authz-target');
    const other = await newDevice('authz-other');
    const policies = await readPolicies();
    const [owner, devicePolicy, servicePolicy] = ['iothubowner', 'device', 'service'].map((name) => {
      const p = policies.get(name);
      if (!p) throw new Error(`no ${name} policy`);
      return p;
    }) as [
      NonNullable<ReturnType<typeof policies.get>>,
      NonNullable<ReturnType<typeof policies.get>>,
      NonNullable<ReturnType<typeof policies.get>>,
    ];
    const credentials: Record<string, string> = {
      "other device's token": deviceToken(other.device.deviceId, other.device.authentication.symmetricKey.primaryKey),
      'token for the device signed with the other key': deviceToken(
        target.device.deviceId,
        other.device.authentication.symmetricKey.primaryKey,
      ),
      'iothubowner policy token for the hub': policyToken(owner),
      'service policy token for the device (no DeviceConnect)': policyDeviceToken(servicePolicy, target.device.deviceId),
      'device policy token for another device': policyDeviceToken(devicePolicy, other.device.deviceId),
      'expired device policy token': policyDeviceToken(devicePolicy, target.device.deviceId, nowSeconds() - 60),
      'own token (control)': deviceToken(target.device.deviceId, target.device.authentication.symmetricKey.primaryKey),
      'device policy token for the device (DeviceConnect)': policyDeviceToken(devicePolicy, target.device.deviceId),
      'iothubowner token for the device (DeviceConnect)': policyDeviceToken(owner, target.device.deviceId),
    };
    const rows: Record<string, Record<string, number>> = {};
    const mismatches: string[] = [];
    for (const route of DEVICE_ROUTES) {
      const [method = 'GET', template = ''] = route.split(' ');
      const path = template.replace('{id}', target.device.deviceId).replace('{lockToken}', 'no-such-lock');
      rows[route] = {};
      for (const [name, token] of Object.entries(credentials)) {
        const res = await rawRequest({ method, path, headers: { authorization: token }, ...(method === 'POST' ? { body: 'x' } : {}) });
        (rows[route] as Record<string, number>)[name] = res.status;
        const control = name.startsWith('own') || name.includes('(DeviceConnect)');
        if (control ? res.status === 401 || res.status === 403 || res.status >= 500 : res.status !== 401)
          mismatches.push(`${route} with ${name}: ${res.status}`);
      }
    }
    console.log('Device routes × credentials (status)');
    console.table(rows);
    expect(mismatches).toEqual([]);
  });
});
