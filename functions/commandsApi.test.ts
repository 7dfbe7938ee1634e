/** The service C2D handler with fake use cases: send, purge, list, feedback; policy checks and IoT Hub errors. */
import { parseConfig } from '../lib/config';
import { completeEnv } from '../lib/configTestkit';
import { ForbiddenError, NotFoundError, PreconditionFailedError } from '../lib/errors';
import { makeHandler, type CommandsApiDeps } from './commandsApi';
import { gatewayEvent, lambdaContext, parsed, tokenGate } from './handlerTestkit';

jest.mock('../lib/config', () => ({ ...jest.requireActual<object>('../lib/config'), loadConfig: () => ({}) }));
jest.mock('../lib/hub', () => ({ createHub: () => ({}) }));
jest.mock('../lib/adapters/aws/awsClients', () => ({ createAwsClients: () => ({}) }));

function fakes() {
  const deps = {
    config: { c2d: parseConfig(completeEnv).c2d },
    auth: { authenticateService: tokenGate() },
    serviceCommands: {
      send: jest.fn(() => Promise.resolve({ messageId: 'm1', sequenceNumber: 3 })),
      purge: jest.fn(() => Promise.resolve(2)),
      list: jest.fn(() => Promise.resolve([{ messageId: 'm1' }])),
    },
    feedback: {
      locks: {
        receive: jest.fn((): Promise<{ body: string; lockToken: string; enqueuedTimeUtc: string } | undefined> =>
          Promise.resolve(undefined),
        ),
        complete: jest.fn(() => Promise.resolve()),
        abandon: jest.fn(() => Promise.resolve()),
      },
      forSender: { receive: jest.fn(() => Promise.resolve([])) },
    },
  };
  return { deps, handler: makeHandler(deps as unknown as CommandsApiDeps) };
}

const auth = { authorization: 'good' };

describe('commandsApi handler', () => {
  it('sends a command: ServiceConnect checked, properties parsed from headers, 202 with id and sequence number', async () => {
    const { deps, handler } = fakes();
    const event = gatewayEvent('POST /devices/{id}/messages/devicebound', {
      pathParameters: { id: 'd1' },
      headers: { Authorization: 'good', 'iothub-messageid': 'm1', 'iothub-ack': 'full', 'iothub-app-color': 'red' },
      body: 'on',
    });
    const result = parsed(await handler(event, lambdaContext()));
    expect(result.status).toBe(202);
    expect(result.body).toEqual({ messageId: 'm1', sequenceNumber: 3 });
    expect(deps.auth.authenticateService).toHaveBeenCalledWith('good', 'ServiceConnect');
    const [deviceId, request] = deps.serviceCommands.send.mock.calls[0] as unknown as [
      string,
      { body: Buffer; content: { ack: string; messageId: string; properties: Record<string, string> } },
    ];
    expect(deviceId).toBe('d1');
    expect(request.body.toString()).toBe('on');
    expect(request.content.ack).toBe('full');
    expect(request.content.messageId).toBe('m1');
    expect(request.content.properties).toEqual({ color: 'red' });
  });

  it('refuses an unknown ack mode with 400 and sends nothing', async () => {
    const { deps, handler } = fakes();
    const event = gatewayEvent('POST /devices/{id}/messages/devicebound', {
      pathParameters: { id: 'd1' },
      headers: { ...auth, 'iothub-ack': 'sometimes' },
      body: 'x',
    });
    const result = parsed(await handler(event, lambdaContext()));
    expect([result.status, result.errorCode]).toEqual([400, 'ArgumentInvalid']);
    expect(deps.serviceCommands.send).not.toHaveBeenCalled();
  });

  it('refuses a bad token with 401 and a policy without ServiceConnect with 403', async () => {
    const { deps, handler } = fakes();
    const purge = (authorization: string) =>
      gatewayEvent('DELETE /devices/{id}/commands', { pathParameters: { id: 'd1' }, headers: { authorization } });
    const unauthorized = parsed(await handler(purge('bad'), lambdaContext()));
    expect([unauthorized.status, unauthorized.errorCode]).toEqual([401, 'IotHubUnauthorizedAccess']);
    deps.auth.authenticateService.mockRejectedValueOnce(new ForbiddenError('Policy lacks ServiceConnect'));
    const forbidden = parsed(await handler(purge('good'), lambdaContext()));
    expect([forbidden.status, forbidden.errorCode]).toEqual([403, 'IotHubUnauthorizedAccess']);
    expect(deps.serviceCommands.purge).not.toHaveBeenCalled();
  });

  it('purges a device queue and answers the count; 404 DeviceNotFound passes through', async () => {
    const { deps, handler } = fakes();
    const event = gatewayEvent('DELETE /devices/{id}/commands', { pathParameters: { id: 'd1' }, headers: auth });
    const result = parsed(await handler(event, lambdaContext()));
    expect([result.status, result.body]).toEqual([200, { deviceId: 'd1', totalMessagesPurged: 2 }]);
    expect(deps.serviceCommands.purge).toHaveBeenCalledWith('d1');
    deps.serviceCommands.purge.mockRejectedValueOnce(new NotFoundError('Device d1 not found'));
    const missing = parsed(await handler(event, lambdaContext()));
    expect([missing.status, missing.errorCode]).toEqual([404, 'DeviceNotFound']);
  });

  it('lists a device queue', async () => {
    const { deps, handler } = fakes();
    const result = parsed(
      await handler(gatewayEvent('GET /devices/{id}/commands', { pathParameters: { id: 'd1' }, headers: auth }), lambdaContext()),
    );
    expect([result.status, result.body]).toEqual([200, [{ messageId: 'm1' }]]);
    expect(deps.serviceCommands.list).toHaveBeenCalledWith('d1');
  });

  it('receives feedback with the configured lock timeout: 204 when none, else the batch with the lock token as ETag', async () => {
    const { deps, handler } = fakes();
    const event = gatewayEvent('GET /messages/serviceBound/feedback', { headers: auth });
    expect(parsed(await handler(event, lambdaContext())).status).toBe(204);
    expect(deps.feedback.locks.receive).toHaveBeenCalledWith(parseConfig(completeEnv).c2d.defaultLockTimeoutSeconds);
    deps.feedback.locks.receive.mockResolvedValueOnce({
      body: '[{"originalMessageId":"m1"}]',
      lockToken: 'fb-lock',
      enqueuedTimeUtc: '2026-12-01T00:00:00Z',
    });
    const result = parsed(await handler(event, lambdaContext()));
    expect(result.status).toBe(200);
    expect(result.headers.etag).toBe('"fb-lock"');
    expect(result.headers['iothub-enqueuedtime']).toBe('2026-12-01T00:00:00Z');
    expect(result.body).toEqual([{ originalMessageId: 'm1' }]);
  });

  it('completes and abandons feedback by the unquoted lock token; a lost lock is 412', async () => {
    const { deps, handler } = fakes();
    const complete = gatewayEvent('DELETE /messages/serviceBound/feedback/{lockToken}', {
      pathParameters: { lockToken: '"fb-lock"' },
      headers: auth,
    });
    expect(parsed(await handler(complete, lambdaContext())).status).toBe(204);
    expect(deps.feedback.locks.complete).toHaveBeenCalledWith('fb-lock');
    const abandon = gatewayEvent('POST /messages/serviceBound/feedback/{lockToken}/abandon', {
      pathParameters: { lockToken: 'fb-lock' },
      headers: auth,
    });
    expect(parsed(await handler(abandon, lambdaContext())).status).toBe(204);
    expect(deps.feedback.locks.abandon).toHaveBeenCalledWith('fb-lock');
    deps.feedback.locks.complete.mockRejectedValueOnce(new PreconditionFailedError('lock lost'));
    expect(parsed(await handler(complete, lambdaContext())).status).toBe(412);
  });

  it('receives feedback for named messages only', async () => {
    const { deps, handler } = fakes();
    const event = gatewayEvent('POST /feedback/receive', { headers: auth, body: JSON.stringify({ originalMessageIds: ['m1', 'm2'] }) });
    expect(parsed(await handler(event, lambdaContext())).status).toBe(200);
    const [{ keep }] = deps.feedback.forSender.receive.mock.calls[0] as unknown as [
      { keep: (r: { originalMessageId: string }) => boolean },
    ];
    expect([keep({ originalMessageId: 'm2' }), keep({ originalMessageId: 'm3' })]).toEqual([true, false]);
  });

  it.each([
    [{}],
    [{ originalMessageIds: [] }],
    [{ originalMessageIds: [1] }],
    [{ originalMessageIds: Array(101).fill('m') }],
    [{ originalMessageIds: ['x'.repeat(129)] }],
  ])('refuses feedback/receive body %j with 400', async (body) => {
    const { deps, handler } = fakes();
    const result = parsed(
      await handler(gatewayEvent('POST /feedback/receive', { headers: auth, body: JSON.stringify(body) }), lambdaContext()),
    );
    expect([result.status, result.errorCode]).toEqual([400, 'ArgumentInvalid']);
    expect(deps.feedback.forSender.receive).not.toHaveBeenCalled();
  });

  it('answers an internal failure with 500 that reveals nothing', async () => {
    const { deps, handler } = fakes();
    deps.serviceCommands.list.mockRejectedValueOnce(new Error('ResourceNotFoundException: table devhub-c2d-secret'));
    const raw = await handler(gatewayEvent('GET /devices/{id}/commands', { pathParameters: { id: 'd1' }, headers: auth }), lambdaContext());
    expect(parsed(raw).status).toBe(500);
    expect(JSON.stringify(raw)).not.toMatch(/secret|ResourceNotFound/);
  });
});
