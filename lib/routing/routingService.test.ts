/**
 * RoutingService with an in-memory store, a fake probe and a fake twin tag reader: every refusal
 * (validation, limits, naming convention, references, not found) and what each write stores.
 */
import { BadRequestError } from '../errors';
import type { HubError } from '../errors';
import { LIMITS, type Endpoint, type EndpointHealth, type Enrichment, type FallbackRoute, type Route } from './model';
import { RoutingService, type RoutingConfigStore } from './routingService';
import { endpoint as endpointFixture, route as routeFixture } from './testkit';

class MemoryStore implements RoutingConfigStore {
  endpoints = new Map<string, Endpoint>();
  routes = new Map<string, Route>();
  fallback: FallbackRoute | undefined;
  enrichments = new Map<string, Enrichment>();
  health = new Map<string, EndpointHealth>();
  listEndpoints = () => Promise.resolve([...this.endpoints.values()]);
  getEndpoint = (name: string) => Promise.resolve(this.endpoints.get(name));
  putEndpoint = (e: Endpoint) => Promise.resolve(void this.endpoints.set(e.name, e));
  deleteEndpoint = (name: string) => Promise.resolve(this.endpoints.delete(name));
  listRoutes = () => Promise.resolve([...this.routes.values()]);
  getRoute = (name: string) => Promise.resolve(this.routes.get(name));
  putRoute = (r: Route) => Promise.resolve(void this.routes.set(r.name, r));
  deleteRoute = (name: string) => Promise.resolve(this.routes.delete(name));
  getFallback = () => Promise.resolve(this.fallback);
  putFallback = (f: FallbackRoute) => Promise.resolve(void (this.fallback = f));
  deleteFallback = () => Promise.resolve(this.fallback !== undefined && !(this.fallback = undefined));
  listEnrichments = (endpoint?: string) =>
    Promise.resolve([...this.enrichments.values()].filter((e) => endpoint === undefined || e.endpoint === endpoint));
  putEnrichment = (e: Enrichment) => Promise.resolve(void this.enrichments.set(`${e.endpoint}/${e.key}`, e));
  deleteEnrichment = (endpoint: string, key: string) => Promise.resolve(this.enrichments.delete(`${endpoint}/${key}`));
  listHealth = () => Promise.resolve([...this.health.values()]);
  deleteHealth = (endpoint: string) => Promise.resolve(this.health.delete(endpoint));
}

const QUEUE = 'https://sqs.us-east-1.amazonaws.com/000000000000/hub-ep-orders';
const NOW = new Date('2026-12-01T12:00:00.000Z');

function service() {
  const store = new MemoryStore();
  const probe = jest.fn((_type: string, target: string) => Promise.resolve(`address-of:${target}`));
  const readTags = jest.fn((_deviceId: string): Promise<Record<string, unknown> | undefined> => Promise.resolve({ site: 'north' }));
  const svc = new RoutingService(
    store,
    probe,
    readTags,
    { ownResources: ['devhub-events', 'devhub-dlq'], allowedNames: 'hub-ep-*' },
    () => NOW,
  );
  return { store, probe, readTags, svc };
}

async function refusal(p: Promise<unknown>): Promise<{ status: number; code: string; message: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as HubError;
    return { status: e.status, code: e.code, message: e.message };
  }
  throw new Error('expected a refusal');
}

function withEndpoints(store: MemoryStore, ...names: string[]) {
  for (const n of names) store.endpoints.set(n, endpointFixture(n));
}

describe('RoutingService endpoints', () => {
  it('creates an endpoint with the probed address, then updates it keeping its creation time', async () => {
    const { store, probe, svc } = service();
    const created = await svc.putEndpoint('orders', { type: 'sqs', target: QUEUE });
    expect(created).toEqual({
      created: true,
      endpoint: {
        name: 'orders',
        type: 'sqs',
        target: QUEUE,
        address: `address-of:${QUEUE}`,
        createdTime: NOW.toISOString(),
        updatedTime: NOW.toISOString(),
      },
    });
    expect(probe).toHaveBeenCalledWith('sqs', QUEUE);
    store.endpoints.set('orders', { ...created.endpoint, createdTime: '2026-01-01T00:00:00.000Z' });
    const updated = await svc.putEndpoint('orders', { type: 'sqs', target: QUEUE });
    expect([updated.created, updated.endpoint.createdTime]).toEqual([false, '2026-01-01T00:00:00.000Z']);
  });

  it('refuses an invalid name or body with 400 and stores nothing', async () => {
    const { store, svc } = service();
    expect((await refusal(svc.putEndpoint('bad name!', { type: 'sqs', target: QUEUE }))).status).toBe(400);
    expect((await refusal(svc.putEndpoint('orders', { type: 'ftp', target: QUEUE }))).status).toBe(400);
    expect((await refusal(svc.putEndpoint('orders', { type: 'sqs', target: 'not a queue' }))).status).toBe(400);
    expect(store.endpoints.size).toBe(0);
  });

  it(`refuses an endpoint beyond ${LIMITS.endpoints} with EndpointLimitExceeded, but still updates an existing one`, async () => {
    const { store, svc } = service();
    withEndpoints(store, ...Array.from({ length: LIMITS.endpoints }, (_, i) => `ep${i}`));
    expect(await refusal(svc.putEndpoint('one-more', { type: 'sqs', target: QUEUE }))).toMatchObject({
      status: 400,
      code: 'EndpointLimitExceeded',
    });
    await expect(svc.putEndpoint('ep0', { type: 'sqs', target: QUEUE })).resolves.toMatchObject({ created: false });
  });

  it("refuses the hub's own resources and names outside the convention with EndpointNotAllowed, before probing", async () => {
    const { probe, svc } = service();
    const own = await refusal(svc.putEndpoint('loop', { type: 'kinesis', target: 'devhub-events' }));
    expect(own).toMatchObject({ status: 400, code: 'EndpointNotAllowed' });
    const foreign = await refusal(
      svc.putEndpoint('foreign', { type: 'sqs', target: 'https://sqs.us-east-1.amazonaws.com/000000000000/payroll' }),
    );
    expect(foreign).toMatchObject({ status: 400, code: 'EndpointNotAllowed' });
    expect(probe).not.toHaveBeenCalled();
  });

  it('refuses a target the probe cannot reach, storing nothing', async () => {
    const { store, probe, svc } = service();
    probe.mockRejectedValueOnce(new BadRequestError('queue does not exist'));
    expect((await refusal(svc.putEndpoint('orders', { type: 'sqs', target: QUEUE }))).message).toBe('queue does not exist');
    expect(store.endpoints.size).toBe(0);
  });

  it('answers 404 EndpointNotFound for a missing endpoint (get, delete, health)', async () => {
    const { svc } = service();
    for (const p of [svc.getEndpoint('nope'), svc.deleteEndpoint('nope'), svc.health('nope')])
      expect(await refusal(p)).toMatchObject({ status: 404, code: 'EndpointNotFound' });
  });

  it('refuses to delete an endpoint a route or the fallback uses (409 EndpointInUse, naming them)', async () => {
    const { store, svc } = service();
    withEndpoints(store, 'orders');
    store.routes.set('r1', routeFixture('r1', 'orders', 'true'));
    store.fallback = { endpoint: 'orders', enabled: true, updatedTime: '' };
    const inUse = await refusal(svc.deleteEndpoint('orders'));
    expect(inUse).toMatchObject({ status: 409, code: 'EndpointInUse' });
    expect(inUse.message).toContain('r1');
    expect(inUse.message).toContain('$fallback');
    expect(store.endpoints.has('orders')).toBe(true);
  });

  it('deletes an unused endpoint with its enrichments and health', async () => {
    const { store, svc } = service();
    withEndpoints(store, 'orders', 'other');
    await store.putEnrichment({ endpoint: 'orders', key: 'k', value: 'v', updatedTime: '' });
    await store.putEnrichment({ endpoint: 'other', key: 'k', value: 'v', updatedTime: '' });
    store.health.set('orders', { endpoint: 'orders' } as EndpointHealth);
    await svc.deleteEndpoint('orders');
    expect([...store.endpoints.keys()]).toEqual(['other']);
    expect([...store.enrichments.keys()]).toEqual(['other/k']);
    expect(store.health.size).toBe(0);
  });

  it('answers stored health, or the initial health of an endpoint never delivered to', async () => {
    const { store, svc } = service();
    withEndpoints(store, 'a', 'b');
    const stored = { endpoint: 'a', status: 'unhealthy' } as unknown as EndpointHealth;
    store.health.set('a', stored);
    const [a, b] = await svc.health();
    expect(a).toBe(stored);
    expect(b).toMatchObject({ endpoint: 'b' });
    expect(await svc.health('b')).toEqual([b]);
  });
});

describe('RoutingService routes and fallback', () => {
  it('creates then updates a route, stamped with the time', async () => {
    const { store, svc } = service();
    withEndpoints(store, 'orders');
    const body = { source: 'DeviceMessages', condition: 'true', endpoint: 'orders' };
    expect(await svc.putRoute('r1', body)).toEqual({
      created: true,
      route: { name: 'r1', source: 'DeviceMessages', condition: 'true', endpoint: 'orders', enabled: true, updatedTime: NOW.toISOString() },
    });
    expect((await svc.putRoute('r1', body)).created).toBe(false);
  });

  it('refuses a route to an endpoint that does not exist (400 EndpointNotFound) or with a condition that does not parse', async () => {
    const { store, svc } = service();
    expect(await refusal(svc.putRoute('r1', { source: 'DeviceMessages', endpoint: 'ghost' }))).toMatchObject({
      status: 400,
      code: 'EndpointNotFound',
    });
    withEndpoints(store, 'orders');
    expect((await refusal(svc.putRoute('r1', { source: 'DeviceMessages', condition: 'temp >', endpoint: 'orders' }))).status).toBe(400);
    expect((await refusal(svc.putRoute('r1', { source: 'Nowhere', endpoint: 'orders' }))).status).toBe(400);
    expect(store.routes.size).toBe(0);
  });

  it(`refuses a route beyond ${LIMITS.routes} with RouteLimitExceeded`, async () => {
    const { store, svc } = service();
    withEndpoints(store, 'orders');
    for (let i = 0; i < LIMITS.routes; i++) store.routes.set(`r${i}`, routeFixture(`r${i}`, 'orders', 'true'));
    expect(await refusal(svc.putRoute('extra', { source: 'DeviceMessages', endpoint: 'orders' }))).toMatchObject({
      status: 400,
      code: 'RouteLimitExceeded',
    });
    await expect(svc.putRoute('r0', { source: 'DeviceMessages', endpoint: 'orders' })).resolves.toMatchObject({ created: false });
  });

  it('answers 404 RouteNotFound for a missing route (get, delete) and a missing fallback', async () => {
    const { svc } = service();
    for (const p of [svc.getRoute('nope'), svc.deleteRoute('nope'), svc.getFallback()])
      expect(await refusal(p)).toMatchObject({ status: 404, code: 'RouteNotFound' });
  });

  it('refuses a route name that is not a name with 400 before touching the store', async () => {
    const { svc } = service();
    for (const p of [svc.getRoute('x'.repeat(LIMITS.nameLength + 1)), svc.deleteRoute('')]) expect((await refusal(p)).status).toBe(400);
  });

  it('puts the fallback to an existing endpoint only', async () => {
    const { store, svc } = service();
    expect(await refusal(svc.putFallback({ endpoint: 'orders' }))).toMatchObject({ status: 400, code: 'EndpointNotFound' });
    withEndpoints(store, 'orders');
    expect(await svc.putFallback({ endpoint: 'orders', enabled: false })).toEqual({
      endpoint: 'orders',
      enabled: false,
      updatedTime: NOW.toISOString(),
    });
    await svc.deleteFallback();
    expect(store.fallback).toBeUndefined();
  });
});

describe('RoutingService enrichments', () => {
  it('puts an enrichment on an existing endpoint; refuses a missing endpoint, a bad key or value', async () => {
    const { store, svc } = service();
    expect(await refusal(svc.putEnrichment('orders', 'k', { value: 'v' }))).toMatchObject({ status: 400, code: 'EndpointNotFound' });
    withEndpoints(store, 'orders');
    expect(await svc.putEnrichment('orders', 'k', { value: '$iothubname' })).toEqual({
      endpoint: 'orders',
      key: 'k',
      value: '$iothubname',
      updatedTime: NOW.toISOString(),
    });
    expect((await refusal(svc.putEnrichment('orders', 'bad key', { value: 'v' }))).status).toBe(400);
    expect((await refusal(svc.putEnrichment('orders', 'k', { value: '$secret' }))).status).toBe(400);
    expect((await refusal(svc.putEnrichment('orders', 'k', { value: 'x'.repeat(LIMITS.enrichmentValueLength + 1) }))).status).toBe(400);
  });

  it(`refuses enrichment ${LIMITS.enrichmentsPerEndpoint + 1} of an endpoint (EnrichmentLimitExceeded) but updates an existing key`, async () => {
    const { store, svc } = service();
    withEndpoints(store, 'orders');
    for (let i = 0; i < LIMITS.enrichmentsPerEndpoint; i++)
      await store.putEnrichment({ endpoint: 'orders', key: `k${i}`, value: 'v', updatedTime: '' });
    expect(await refusal(svc.putEnrichment('orders', 'extra', { value: 'v' }))).toMatchObject({
      status: 400,
      code: 'EnrichmentLimitExceeded',
    });
    await expect(svc.putEnrichment('orders', 'k0', { value: 'w' })).resolves.toMatchObject({ value: 'w' });
  });

  it('lists enrichments of an existing endpoint only; deleting a missing one is 404 EnrichmentNotFound', async () => {
    const { store, svc } = service();
    expect(await refusal(svc.listEnrichments('ghost'))).toMatchObject({ status: 400, code: 'EndpointNotFound' });
    expect(await refusal(svc.deleteEnrichment('orders', 'k'))).toMatchObject({ status: 404, code: 'EnrichmentNotFound' });
    withEndpoints(store, 'orders');
    await svc.putEnrichment('orders', 'k', { value: 'v' });
    expect(await svc.listEnrichments('orders')).toHaveLength(1);
    await svc.deleteEnrichment('orders', 'k');
    expect(await svc.listEnrichments()).toEqual([]);
  });
});

describe('RoutingService.test', () => {
  const message = { deviceId: 'd1', properties: { level: 'high' } };

  it('evaluates a condition against the test message', async () => {
    const { svc } = service();
    expect(await svc.test({ condition: "level = 'high'", message })).toEqual({ result: true });
    expect(await svc.test({ condition: "level = 'low'", message })).toEqual({ result: false });
  });

  it("evaluates a stored route's condition and names the route", async () => {
    const { store, svc } = service();
    store.routes.set('r1', routeFixture('r1', 'orders', "level = 'high'"));
    expect(await svc.test({ route: 'r1', message })).toEqual({ result: true, route: 'r1' });
    expect(await refusal(svc.test({ route: 'ghost', message }))).toMatchObject({ status: 404, code: 'RouteNotFound' });
  });

  it("reads the device's twin tags only when the condition uses them and none were given", async () => {
    const { readTags, svc } = service();
    expect(await svc.test({ condition: "$twin.tags.site = 'north'", message })).toEqual({ result: true });
    expect(readTags).toHaveBeenCalledWith('d1');
    readTags.mockClear();
    expect(await svc.test({ condition: "$twin.tags.site = 'north'", message, twinTags: { site: 'south' } })).toEqual({ result: false });
    await svc.test({ condition: "level = 'high'", message });
    expect(readTags).not.toHaveBeenCalled();
  });

  it.each([
    ['not an object', []],
    ['neither condition nor route', { message }],
    ['a condition that does not parse', { condition: 'level =', message }],
    ['no message', { condition: 'true' }],
    ['twinTags not an object', { condition: 'true', message, twinTags: 'x' }],
  ])('refuses %s with 400', async (_what, body) => {
    const { svc } = service();
    const err = await refusal(svc.test(body));
    expect(err.status).toBe(400);
  });

  it('lets a store failure through unchanged (the handler answers 500)', async () => {
    const { store, svc } = service();
    store.getRoute = () => Promise.reject(new Error('store down'));
    await expect(svc.test({ route: 'r1', message })).rejects.toThrow('store down');
  });
});
