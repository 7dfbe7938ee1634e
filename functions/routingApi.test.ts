/** The routing REST handler with a fake routing service and dead-letter queue: the permission per route, arguments, statuses. */
import { BadRequestError, NotFoundError } from '../lib/errors';
import { gatewayEvent, lambdaContext, parsed, tokenGate } from './handlerTestkit';
import { makeHandler, type RoutingApiDeps } from './routingApi';

jest.mock('../lib/config', () => ({ ...jest.requireActual<object>('../lib/config'), loadConfig: () => ({}) }));
jest.mock('../lib/hub', () => ({ createHub: () => ({}) }));
jest.mock('../lib/adapters/aws/awsClients', () => ({ createAwsClients: () => ({}) }));

function fakes() {
  const ok = <T>(value: T) => jest.fn((..._args: unknown[]) => Promise.resolve(value));
  const deps = {
    auth: { authenticateService: tokenGate() },
    routing: {
      putEndpoint: ok({ endpoint: { name: 'ep' }, created: true }),
      listEndpoints: ok([{ name: 'ep' }]),
      getEndpoint: ok({ name: 'ep' }),
      deleteEndpoint: ok(undefined),
      health: ok([{ endpoint: 'ep', status: 'healthy' }]),
      putRoute: ok({ route: { name: 'r' }, created: false }),
      listRoutes: ok([]),
      getRoute: ok({ name: 'r' }),
      deleteRoute: ok(undefined),
      test: ok({ result: true, route: 'r' }),
      putFallback: ok({ enabled: true }),
      getFallback: ok({ enabled: true }),
      deleteFallback: ok(undefined),
      putEnrichment: ok({ key: 'k' }),
      deleteEnrichment: ok(undefined),
      listEnrichments: ok([]),
    },
    deadLetters: { list: ok([]), redrive: ok({ redriven: 1, remaining: 0 }) },
  };
  return { deps, handler: makeHandler(deps as unknown as RoutingApiDeps) };
}

const auth = { authorization: 'good' };

describe('routingApi handler', () => {
  it.each([
    ['PUT /endpoints/{name}', { name: 'ep' }, '{"type":"sqs"}', 'RegistryWrite', 'putEndpoint', 201],
    ['GET /endpoints', {}, undefined, 'RegistryRead', 'listEndpoints', 200],
    ['GET /endpoints/{name}', { name: 'ep' }, undefined, 'RegistryRead', 'getEndpoint', 200],
    ['DELETE /endpoints/{name}', { name: 'ep' }, undefined, 'RegistryWrite', 'deleteEndpoint', 204],
    ['GET /routing/health', {}, undefined, 'RegistryRead', 'health', 200],
    ['PUT /routes/{name}', { name: 'r' }, '{"source":"DeviceMessages"}', 'RegistryWrite', 'putRoute', 200],
    ['GET /routes', {}, undefined, 'RegistryRead', 'listRoutes', 200],
    ['GET /routes/{name}', { name: 'r' }, undefined, 'RegistryRead', 'getRoute', 200],
    ['DELETE /routes/{name}', { name: 'r' }, undefined, 'RegistryWrite', 'deleteRoute', 204],
    ['POST /routes/test', {}, '{"message":{}}', 'ServiceConnect', 'test', 200],
    ['PUT /routing/fallback', {}, '{"enabled":true}', 'RegistryWrite', 'putFallback', 200],
    ['GET /routing/fallback', {}, undefined, 'RegistryRead', 'getFallback', 200],
    ['DELETE /routing/fallback', {}, undefined, 'RegistryWrite', 'deleteFallback', 204],
    ['PUT /endpoints/{name}/enrichments/{key}', { name: 'ep', key: 'k' }, '{"value":"v"}', 'RegistryWrite', 'putEnrichment', 200],
    ['DELETE /endpoints/{name}/enrichments/{key}', { name: 'ep', key: 'k' }, undefined, 'RegistryWrite', 'deleteEnrichment', 204],
    ['GET /enrichments', {}, undefined, 'RegistryRead', 'listEnrichments', 200],
  ] as const)('%s needs %s, calls %s and answers its status', async (routeKey, pathParameters, body, permission, method, status) => {
    const { deps, handler } = fakes();
    const event = gatewayEvent(routeKey, { pathParameters: { ...pathParameters }, headers: auth, ...(body !== undefined ? { body } : {}) });
    const result = parsed(await handler(event, lambdaContext()));
    expect(result.status).toBe(status);
    expect(deps.auth.authenticateService).toHaveBeenCalledWith('good', permission);
    expect(deps.routing[method]).toHaveBeenCalledTimes(1);
    const call = deps.routing[method].mock.calls[0] ?? [];
    expect(call.slice(0, Object.keys(pathParameters).length)).toEqual(Object.values(pathParameters));
    if (body !== undefined) expect(call[call.length - 1]).toEqual(JSON.parse(body));
  });

  it('answers one endpoint health, not the list', async () => {
    const { deps, handler } = fakes();
    const result = parsed(
      await handler(gatewayEvent('GET /endpoints/{name}/health', { pathParameters: { name: 'ep' }, headers: auth }), lambdaContext()),
    );
    expect([result.status, result.body]).toEqual([200, { endpoint: 'ep', status: 'healthy' }]);
    expect(deps.routing.health).toHaveBeenCalledWith('ep');
  });

  it('refuses a bad token with 401 and changes nothing', async () => {
    const { deps, handler } = fakes();
    const event = gatewayEvent('DELETE /routes/{name}', { pathParameters: { name: 'r' }, headers: { authorization: 'bad' } });
    const result = parsed(await handler(event, lambdaContext()));
    expect([result.status, result.errorCode]).toEqual([401, 'IotHubUnauthorizedAccess']);
    expect(deps.routing.deleteRoute).not.toHaveBeenCalled();
  });

  it('refuses a missing or malformed JSON body with 400', async () => {
    const { deps, handler } = fakes();
    for (const body of [undefined, '{', '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]'])
      expect(
        parsed(
          await handler(
            gatewayEvent('PUT /routes/{name}', { pathParameters: { name: 'r' }, headers: auth, ...(body !== undefined ? { body } : {}) }),
            lambdaContext(),
          ),
        ).status,
      ).toBe(400);
    expect(deps.routing.putRoute).not.toHaveBeenCalled();
  });

  it('passes validation (400) and not-found (404) errors of the service through with their codes', async () => {
    const { deps, handler } = fakes();
    deps.routing.putRoute.mockRejectedValueOnce(new BadRequestError('condition does not parse', 'InvalidRouteQuery'));
    const invalid = parsed(
      await handler(gatewayEvent('PUT /routes/{name}', { pathParameters: { name: 'r' }, headers: auth, body: '{}' }), lambdaContext()),
    );
    expect([invalid.status, invalid.errorCode]).toEqual([400, 'InvalidRouteQuery']);
    deps.routing.getEndpoint.mockRejectedValueOnce(new NotFoundError('no endpoint ep', 'EndpointNotFound'));
    const missing = parsed(
      await handler(gatewayEvent('GET /endpoints/{name}', { pathParameters: { name: 'ep' }, headers: auth }), lambdaContext()),
    );
    expect([missing.status, missing.errorCode]).toEqual([404, 'EndpointNotFound']);
  });

  it('lists dead letters with ServiceConnect, top and endpoint; refuses top outside 1..1000', async () => {
    const { deps, handler } = fakes();
    const list = (query: Record<string, string>) => gatewayEvent('GET /routing/deadletters', { headers: auth, query });
    expect(parsed(await handler(list({ top: '5', endpoint: 'ep' }), lambdaContext())).status).toBe(200);
    expect(deps.auth.authenticateService).toHaveBeenCalledWith('good', 'ServiceConnect');
    expect(deps.deadLetters.list).toHaveBeenCalledWith(5, 'ep');
    await handler(list({}), lambdaContext());
    expect(deps.deadLetters.list).toHaveBeenLastCalledWith(100, undefined);
    for (const top of ['0', '1001', 'x']) expect(parsed(await handler(list({ top }), lambdaContext())).status).toBe(400);
    expect(deps.deadLetters.list).toHaveBeenCalledTimes(2);
  });

  it('redrives with the given endpoint and max (500 by default) and a deadline', async () => {
    const { deps, handler } = fakes();
    const redrive = (body?: string) =>
      gatewayEvent('POST /routing/deadletters/redrive', { headers: auth, ...(body !== undefined ? { body } : {}) });
    const result = parsed(await handler(redrive('{"endpoint":"ep","max":7}'), lambdaContext()));
    expect([result.status, result.body]).toEqual([200, { redriven: 1, remaining: 0 }]);
    expect(deps.deadLetters.redrive).toHaveBeenCalledWith({ endpoint: 'ep', max: 7, deadlineMs: expect.any(Number) as unknown });
    await handler(redrive(), lambdaContext());
    expect(deps.deadLetters.redrive).toHaveBeenLastCalledWith({ max: 500, deadlineMs: expect.any(Number) as unknown });
  });

  it.each(['null', '[]', '"x"', '{"endpoint":5}', '{"max":0}', '{"max":10001}', '{"max":1.5}'])(
    'refuses redrive body %s with 400',
    async (body) => {
      const { deps, handler } = fakes();
      const result = parsed(await handler(gatewayEvent('POST /routing/deadletters/redrive', { headers: auth, body }), lambdaContext()));
      expect([result.status, result.errorCode]).toEqual([400, 'ArgumentInvalid']);
      expect(deps.deadLetters.redrive).not.toHaveBeenCalled();
    },
  );
});
