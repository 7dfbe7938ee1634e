/** The registry REST handler with fake use cases: permissions, ETags, continuation, bulk, policy view, errors. */
import { ConflictError, ForbiddenError, NotFoundError, PreconditionFailedError } from '../lib/errors';
import type { Device } from '../lib/registry/device';
import { gatewayEvent, lambdaContext, parsed, tokenGate } from './handlerTestkit';
import { makeHandler, type RegistryApiDeps } from './serviceApi';

jest.mock('../lib/config', () => ({ ...jest.requireActual<object>('../lib/config'), loadConfig: () => ({}) }));
jest.mock('../lib/hub', () => ({ createHub: () => ({}) }));
jest.mock('../lib/adapters/aws/awsClients', () => ({ createAwsClients: () => ({}) }));

const device = { deviceId: 'd1', etag: 'e1' } as Device;

function fakes() {
  const deps = {
    config: { hubName: 'hub', hubHostname: 'hub.example.test', deviceHostnames: [] as string[] },
    auth: {
      authenticateService: tokenGate(),
      identifyService: jest.fn(() =>
        Promise.resolve({ name: 'registryRead', permissions: ['RegistryWrite'], primaryKey: 'k1-secret', secondaryKey: 'k2-secret' }),
      ),
    },
    registry: {
      put: jest.fn(() => Promise.resolve({ device, created: true })),
      get: jest.fn(() => Promise.resolve(device)),
      list: jest.fn(() => Promise.resolve({ devices: [device], continuationToken: 'next' as string | undefined })),
      delete: jest.fn(() => Promise.resolve()),
    },
    describeDevice: jest.fn((d: Device) => Promise.resolve({ deviceId: d.deviceId, view: true })),
  };
  return { deps, handler: makeHandler(deps as unknown as RegistryApiDeps) };
}

const auth = { authorization: 'good' };

describe('serviceApi (registry) handler', () => {
  it('puts a device with RegistryWrite, the raw body and If-Match, answering the device with its ETag', async () => {
    const { deps, handler } = fakes();
    const event = gatewayEvent('PUT /devices/{id}', {
      pathParameters: { id: 'd1' },
      headers: { ...auth, 'If-Match': '"e0"' },
      body: '{"deviceId":"d1"}',
    });
    const result = parsed(await handler(event, lambdaContext()));
    expect([result.status, result.headers.etag]).toEqual([200, '"e1"']);
    expect(deps.auth.authenticateService).toHaveBeenCalledWith('good', 'RegistryWrite');
    expect(deps.registry.put).toHaveBeenCalledWith('d1', '{"deviceId":"d1"}', '"e0"');
  });

  it('passes 409 and 412 from the registry through with their IoT Hub codes', async () => {
    const { deps, handler } = fakes();
    const event = gatewayEvent('PUT /devices/{id}', { pathParameters: { id: 'd1' }, headers: auth, body: '{}' });
    deps.registry.put.mockRejectedValueOnce(new ConflictError('exists'));
    const conflict = parsed(await handler(event, lambdaContext()));
    expect([conflict.status, conflict.errorCode]).toEqual([409, 'DeviceAlreadyExists']);
    deps.registry.put.mockRejectedValueOnce(new PreconditionFailedError('etag mismatch'));
    const stale = parsed(await handler(event, lambdaContext()));
    expect([stale.status, stale.errorCode]).toEqual([412, 'PreconditionFailed']);
  });

  it('gets a device with RegistryRead and answers its view; 404 DeviceNotFound otherwise', async () => {
    const { deps, handler } = fakes();
    const event = gatewayEvent('GET /devices/{id}', { pathParameters: { id: 'd1' }, headers: auth });
    const result = parsed(await handler(event, lambdaContext()));
    expect([result.status, result.body, result.headers.etag]).toEqual([200, { deviceId: 'd1', view: true }, '"e1"']);
    expect(deps.auth.authenticateService).toHaveBeenCalledWith('good', 'RegistryRead');
    deps.registry.get.mockRejectedValueOnce(new NotFoundError('Device d1 not found'));
    const missing = parsed(await handler(event, lambdaContext()));
    expect([missing.status, missing.errorCode]).toEqual([404, 'DeviceNotFound']);
  });

  it('lists a page: top and the continuation header go to the registry, the next token comes back as x-ms-continuation', async () => {
    const { deps, handler } = fakes();
    const event = gatewayEvent('GET /devices', { headers: { ...auth, 'x-ms-continuation': 'tok' }, query: { top: '10' } });
    const result = parsed(await handler(event, lambdaContext()));
    expect([result.status, result.headers['x-ms-continuation']]).toEqual([200, 'next']);
    expect(deps.registry.list).toHaveBeenCalledWith('10', 'tok');
    deps.registry.list.mockResolvedValueOnce({ devices: [], continuationToken: undefined });
    const last = parsed(await handler(gatewayEvent('GET /devices', { headers: auth, query: { continuationToken: 'q' } }), lambdaContext()));
    expect(last.headers['x-ms-continuation']).toBeUndefined();
    expect(deps.registry.list).toHaveBeenLastCalledWith(undefined, 'q');
  });

  it('deletes with If-Match and answers 204', async () => {
    const { deps, handler } = fakes();
    const event = gatewayEvent('DELETE /devices/{id}', { pathParameters: { id: 'd1' }, headers: { ...auth, 'if-match': '*' } });
    expect(parsed(await handler(event, lambdaContext())).status).toBe(204);
    expect(deps.registry.delete).toHaveBeenCalledWith('d1', '*');
  });

  it('refuses a bad token with 401, a missing permission with 403, and touches no device', async () => {
    const { deps, handler } = fakes();
    const del = (authorization: string) =>
      gatewayEvent('DELETE /devices/{id}', { pathParameters: { id: 'd1' }, headers: { authorization } });
    expect(parsed(await handler(del('bad'), lambdaContext())).status).toBe(401);
    deps.auth.authenticateService.mockRejectedValueOnce(new ForbiddenError('no RegistryWrite'));
    expect(parsed(await handler(del('good'), lambdaContext())).status).toBe(403);
    expect(deps.registry.delete).not.toHaveBeenCalled();
  });

  it('refuses a bulk body that is not JSON with 400', async () => {
    const { deps, handler } = fakes();
    const result = parsed(await handler(gatewayEvent('POST /devices', { headers: auth, body: '[{' }), lambdaContext()));
    expect([result.status, result.errorCode]).toEqual([400, 'ArgumentInvalid']);
    expect(deps.registry.put).not.toHaveBeenCalled();
  });

  it('answers the calling policy, its permissions and the device host (the hub host when none is configured)', async () => {
    const { handler } = fakes();
    const result = parsed(await handler(gatewayEvent('GET /auth/policy', { headers: auth }), lambdaContext()));
    expect(result.status).toBe(200);
    expect(result.body).toEqual({
      policy: 'registryRead',
      permissions: ['RegistryRead', 'RegistryWrite'],
      hubName: 'hub',
      hostName: 'hub.example.test',
      deviceHostName: 'hub.example.test',
    });
    expect(JSON.stringify(result.body)).not.toContain('secret');
  });

  it('answers a registry failure with 500 that reveals nothing', async () => {
    const { deps, handler } = fakes();
    deps.registry.get.mockRejectedValueOnce(new Error('DynamoDB devhub-devices-secret throttled'));
    const raw = await handler(gatewayEvent('GET /devices/{id}', { pathParameters: { id: 'd1' }, headers: auth }), lambdaContext());
    expect(parsed(raw).status).toBe(500);
    expect(JSON.stringify(raw)).not.toContain('secret');
  });
});
