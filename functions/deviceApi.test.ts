/**
 * The device HTTPS handler with fake use cases, through its real middy chain: API Gateway and
 * function URL events, IoT Hub status codes and error codes, and the use case each route calls.
 */
import type { CommandRecord } from '../lib/c2d/types';
import { parseConfig } from '../lib/config';
import { completeEnv } from '../lib/configTestkit';
import type { Device } from '../lib/registry/device';
import { ForbiddenError, NotFoundError, PreconditionFailedError, UnauthorizedError } from '../lib/errors';
import { makeHandler, type DeviceApiDeps } from './deviceApi';
import { functionUrlEvent, gatewayEvent, lambdaContext, parsed } from './handlerTestkit';

// Importing the module builds its production handler: keep that from reading env or AWS.
jest.mock('../lib/config', () => ({ ...jest.requireActual<object>('../lib/config'), loadConfig: () => ({}) }));
jest.mock('../lib/hub', () => ({ createHub: () => ({}) }));
jest.mock('../lib/adapters/aws/awsClients', () => ({ createAwsClients: () => ({}) }));

const device = { deviceId: 'd1' } as Device;

function fakes() {
  const deps = {
    config: { c2d: parseConfig(completeEnv).c2d },
    admitDevice: jest.fn((authorization: string | undefined) =>
      authorization === 'good' ? Promise.resolve(device) : Promise.reject(new UnauthorizedError()),
    ),
    receiveCommand: jest.fn((): Promise<CommandRecord | undefined> => Promise.resolve(undefined)),
    telemetry: { accept: jest.fn(() => Promise.resolve()) },
    commands: { settleByDevice: jest.fn(() => Promise.resolve()) },
  };
  return { deps, handler: makeHandler(deps as unknown as DeviceApiDeps) };
}

const auth = { authorization: 'good' };

describe('deviceApi handler', () => {
  it('accepts one telemetry message: admits the device named in the path, hands the message with its properties to telemetry', async () => {
    const { deps, handler } = fakes();
    const event = gatewayEvent('POST /devices/{id}/messages/events', {
      pathParameters: { id: 'd1' },
      headers: { Authorization: 'good', 'IoTHub-MessageId': 'm1', 'iothub-app-temp': '21' },
      body: '{"t":21}',
    });
    const result = parsed(await handler(event, lambdaContext()));
    expect(result.status).toBe(204);
    expect(deps.admitDevice).toHaveBeenCalledWith('good', 'd1', undefined);
    expect(deps.telemetry.accept).toHaveBeenCalledTimes(1);
    const [admitted, messages, transport] = deps.telemetry.accept.mock.calls[0] as unknown as [
      Device,
      { body: Buffer; system: Record<string, string>; properties: Record<string, string> }[],
      string,
    ];
    expect(admitted).toBe(device);
    expect(transport).toBe('https');
    expect(messages).toHaveLength(1);
    expect(messages[0]?.body.toString()).toBe('{"t":21}');
    expect(messages[0]?.system['message-id']).toBe('m1');
    expect(messages[0]?.properties).toEqual({ temp: '21' });
  });

  it('routes a function URL event by its raw path', async () => {
    const { deps, handler } = fakes();
    const event = functionUrlEvent('POST', '/devices/d%2F1/messages/events', { headers: auth, body: 'x' });
    expect(parsed(await handler(event, lambdaContext())).status).toBe(204);
    expect(deps.admitDevice.mock.calls[0]?.slice(0, 2)).toEqual(['good', 'd/1']);
  });

  // routeTable rewrites the route key of a function URL event it routes; the URL host must survive
  // that, or a token signed for the function URL host (a deployed hub's default) is refused.
  it('passes the function URL host the request arrived through to admission', async () => {
    const { deps, handler } = fakes();
    const event = functionUrlEvent('POST', '/devices/d%2F1/messages/events', { headers: auth, body: 'x' });
    expect(parsed(await handler(event, lambdaContext())).status).toBe(204);
    expect(deps.admitDevice).toHaveBeenCalledWith('good', 'd/1', 'abc.lambda-url.us-east-1.on.aws');
  });

  it('answers a function URL path no route matches with 404 NotFound and calls nothing', async () => {
    const { deps, handler } = fakes();
    const result = parsed(await handler(functionUrlEvent('GET', '/devices/d1/twin', { headers: auth }), lambdaContext()));
    expect([result.status, result.errorCode]).toEqual([404, 'NotFound']);
    expect(deps.admitDevice).not.toHaveBeenCalled();
  });

  it('refuses a bad token with 401 IotHubUnauthorizedAccess and accepts nothing', async () => {
    const { deps, handler } = fakes();
    const event = gatewayEvent('POST /devices/{id}/messages/events', {
      pathParameters: { id: 'd1' },
      headers: { authorization: 'bad' },
      body: 'x',
    });
    const result = parsed(await handler(event, lambdaContext()));
    expect([result.status, result.errorCode]).toEqual([401, 'IotHubUnauthorizedAccess']);
    expect(result.body).toEqual({
      Message: expect.stringMatching(/^ErrorCode:IotHubUnauthorizedAccess;/),
      ExceptionMessage: expect.any(String),
    });
    expect(deps.telemetry.accept).not.toHaveBeenCalled();
  });

  it('passes a 403 from admission (another device, disabled) through with its code', async () => {
    const { deps, handler } = fakes();
    deps.admitDevice.mockRejectedValueOnce(new ForbiddenError('Device d1 is disabled', 'DeviceDisabled'));
    const event = gatewayEvent('POST /devices/{id}/messages/events', { pathParameters: { id: 'd1' }, headers: auth, body: 'x' });
    const result = parsed(await handler(event, lambdaContext()));
    expect([result.status, result.errorCode]).toEqual([403, 'DeviceDisabled']);
  });

  it('refuses a malformed batch with 400 ArgumentInvalid', async () => {
    const { deps, handler } = fakes();
    const event = gatewayEvent('POST /devices/{id}/messages/events', {
      pathParameters: { id: 'd1' },
      headers: { ...auth, 'content-type': 'application/vnd.microsoft.iothub.json' },
      body: '{"not":"an array"}',
    });
    const result = parsed(await handler(event, lambdaContext()));
    expect([result.status, result.errorCode]).toEqual([400, 'ArgumentInvalid']);
    expect(deps.telemetry.accept).not.toHaveBeenCalled();
  });

  it('refuses a message over 256 KB with 413 MessageTooLarge', async () => {
    const { deps, handler } = fakes();
    const event = gatewayEvent('POST /devices/{id}/messages/events', {
      pathParameters: { id: 'd1' },
      headers: auth,
      body: Buffer.alloc(256 * 1024 + 1),
    });
    const result = parsed(await handler(event, lambdaContext()));
    expect([result.status, result.errorCode]).toEqual([413, 'MessageTooLarge']);
    expect(deps.telemetry.accept).not.toHaveBeenCalled();
  });

  it('answers an unexpected failure with a 500 ServerError that reveals nothing internal', async () => {
    const { deps, handler } = fakes();
    deps.telemetry.accept.mockRejectedValueOnce(new Error('kinesis://internal-stream-arn exploded'));
    const event = gatewayEvent('POST /devices/{id}/messages/events', { pathParameters: { id: 'd1' }, headers: auth, body: 'x' });
    const raw = await handler(event, lambdaContext());
    const result = parsed(raw);
    expect([result.status, result.errorCode]).toEqual([500, 'ServerError']);
    expect(JSON.stringify(raw)).not.toMatch(/kinesis|internal-stream|exploded/);
  });

  it('receives a command: passes the requested lock timeout, answers 200 with the body and the lock token as ETag', async () => {
    const { deps, handler } = fakes();
    deps.receiveCommand.mockResolvedValueOnce({
      messageId: 'c1',
      lockToken: 'lock-1',
      body: Buffer.from('hello'),
      deliveryCount: 1,
      enqueuedAtMs: 0,
      expiresAtMs: 3_600_000,
      properties: {},
      sequenceNumber: 7,
    } as unknown as CommandRecord);
    const event = gatewayEvent('GET /devices/{id}/messages/deviceBound', {
      pathParameters: { id: 'd1' },
      headers: { ...auth, 'IotHub-MessageLockTimeout': '30' },
    });
    const raw = await handler(event, lambdaContext());
    const result = parsed(raw);
    expect(result.status).toBe(200);
    expect(result.headers.etag).toBe('"lock-1"');
    expect(result.body).toBe('hello');
    expect(deps.receiveCommand).toHaveBeenCalledWith('good', device, 30_000, undefined);
  });

  it('answers 204 when no command waits', async () => {
    const { handler } = fakes();
    const event = gatewayEvent('GET /devices/{id}/messages/devicebound', { pathParameters: { id: 'd1' }, headers: auth });
    expect(parsed(await handler(event, lambdaContext())).status).toBe(204);
  });

  it('refuses a lock timeout that is not a positive number with 400', async () => {
    const { deps, handler } = fakes();
    const event = gatewayEvent('GET /devices/{id}/messages/devicebound', {
      pathParameters: { id: 'd1' },
      headers: { ...auth, 'iothub-messagelocktimeout': '-1' },
    });
    expect(parsed(await handler(event, lambdaContext())).status).toBe(400);
    expect(deps.receiveCommand).not.toHaveBeenCalled();
  });

  it.each([
    [{}, 'complete'],
    [{ reject: '' }, 'reject'],
    [{ reject: 'true' }, 'reject'],
    [{ reject: 'false' }, 'complete'],
  ])('DELETE with query %j settles the unquoted lock token as %s', async (query, action) => {
    const { deps, handler } = fakes();
    const event = gatewayEvent('DELETE /devices/{id}/messages/devicebound/{lockToken}', {
      pathParameters: { id: 'd1', lockToken: '"lock-1"' },
      headers: auth,
      query,
    });
    expect(parsed(await handler(event, lambdaContext())).status).toBe(204);
    expect(deps.commands.settleByDevice).toHaveBeenCalledWith('d1', 'lock-1', action);
  });

  it('refuses ?reject=maybe with 400 and settles nothing', async () => {
    const { deps, handler } = fakes();
    const event = gatewayEvent('DELETE /devices/{id}/messages/devicebound/{lockToken}', {
      pathParameters: { id: 'd1', lockToken: 'lock-1' },
      headers: auth,
      query: { reject: 'maybe' },
    });
    expect(parsed(await handler(event, lambdaContext())).status).toBe(400);
    expect(deps.commands.settleByDevice).not.toHaveBeenCalled();
  });

  it('abandons through a function URL, and passes 404 / 412 from the queue through with their codes', async () => {
    const { deps, handler } = fakes();
    const abandon = () => functionUrlEvent('POST', '/devices/d1/messages/devicebound/lock-1/abandon', { headers: auth });
    expect(parsed(await handler(abandon(), lambdaContext())).status).toBe(204);
    expect(deps.commands.settleByDevice).toHaveBeenCalledWith('d1', 'lock-1', 'abandon');

    deps.commands.settleByDevice.mockRejectedValueOnce(new NotFoundError('no such lock', 'DeviceMessageLockLost'));
    const lost = parsed(await handler(abandon(), lambdaContext()));
    expect([lost.status, lost.errorCode]).toEqual([404, 'DeviceMessageLockLost']);

    deps.commands.settleByDevice.mockRejectedValueOnce(new PreconditionFailedError('lock expired'));
    const stale = parsed(await handler(abandon(), lambdaContext()));
    expect([stale.status, stale.errorCode]).toEqual([412, 'PreconditionFailed']);
  });

  it('serves both spellings through the HTTP API {segment} routes (deviceFrontDoor=httpApi), and 404s any other spelling', async () => {
    const { deps, handler } = fakes();
    for (const segment of ['devicebound', 'deviceBound']) {
      const receive = gatewayEvent('GET /devices/{id}/messages/{segment}', { pathParameters: { id: 'd1', segment }, headers: auth });
      expect(parsed(await handler(receive, lambdaContext())).status).toBe(204);
      const complete = gatewayEvent('DELETE /devices/{id}/messages/{segment}/{lockToken}', {
        pathParameters: { id: 'd1', segment, lockToken: 'lock-1' },
        headers: auth,
        query: { reject: '' },
      });
      expect(parsed(await handler(complete, lambdaContext())).status).toBe(204);
      const abandon = gatewayEvent('POST /devices/{id}/messages/{segment}/{lockToken}/abandon', {
        pathParameters: { id: 'd1', segment, lockToken: 'lock-2' },
        headers: auth,
      });
      expect(parsed(await handler(abandon, lambdaContext())).status).toBe(204);
    }
    expect(deps.receiveCommand).toHaveBeenCalledTimes(2);
    expect(deps.commands.settleByDevice.mock.calls).toEqual([
      ['d1', 'lock-1', 'reject'],
      ['d1', 'lock-2', 'abandon'],
      ['d1', 'lock-1', 'reject'],
      ['d1', 'lock-2', 'abandon'],
    ]);
    const other = gatewayEvent('GET /devices/{id}/messages/{segment}', {
      pathParameters: { id: 'd1', segment: 'DeviceBound' },
      headers: auth,
    });
    const refused = parsed(await handler(other, lambdaContext()));
    expect([refused.status, refused.errorCode]).toEqual([404, 'NotFound']);
    expect(deps.admitDevice).toHaveBeenCalledTimes(6);
  });

  it('answers 503 ServiceUnavailable when a dependency outlasts the function deadline', async () => {
    const { deps, handler } = fakes();
    deps.telemetry.accept.mockImplementationOnce(() => new Promise(() => undefined));
    const event = gatewayEvent('POST /devices/{id}/messages/events', { pathParameters: { id: 'd1' }, headers: auth, body: 'x' });
    const result = parsed(await handler(event, lambdaContext(1600)));
    expect([result.status, result.errorCode]).toEqual([503, 'ServiceUnavailable']);
  });
});
