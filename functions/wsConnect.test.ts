/** WebSocket $connect with a fake socket service: the status API Gateway gets for each outcome. */
import { ForbiddenError, UnauthorizedError } from '../lib/errors';
import { lambdaContext, wsEvent } from './handlerTestkit';
import { makeHandler, type WsConnectDeps } from './wsConnect';

jest.mock('../lib/config', () => ({ ...jest.requireActual<object>('../lib/config'), loadConfig: () => ({}) }));
jest.mock('../lib/hub', () => ({ createHub: () => ({}) }));
jest.mock('../lib/adapters/aws/awsClients', () => ({ createAwsClients: () => ({}) }));

function fakes(configuredEndpoint = '') {
  const deps = { sockets: { connect: jest.fn(() => Promise.resolve()) }, config: { websocketManagementEndpoint: configuredEndpoint } };
  return { deps, handler: makeHandler(deps as unknown as WsConnectDeps) };
}

describe('wsConnect handler', () => {
  it('connects with the Authorization header and the endpoint derived from the event', async () => {
    const { deps, handler } = fakes();
    const result = await handler(wsEvent('$connect', 'c1', { headers: { Authorization: 'sas' } }), lambdaContext());
    expect(result).toEqual({ statusCode: 200 });
    expect(deps.sockets.connect).toHaveBeenCalledWith('c1', 'sas', 'https://ws.example.test/dev');
  });

  it('takes the token from the query and the configured management endpoint when set', async () => {
    const { deps, handler } = fakes('http://localhost:3001');
    await handler(wsEvent('$connect', 'c1', { queryStringParameters: { authorization: 'q-sas' } }), lambdaContext());
    expect(deps.sockets.connect).toHaveBeenCalledWith('c1', 'q-sas', 'http://localhost:3001');
  });

  it.each([
    [new UnauthorizedError(), 401],
    [new ForbiddenError('disabled'), 403],
  ])('refuses with the hub error status (%s)', async (error, status) => {
    const { deps, handler } = fakes();
    deps.sockets.connect.mockRejectedValueOnce(error);
    expect(await handler(wsEvent('$connect', 'c1'), lambdaContext())).toEqual({ statusCode: status });
  });

  it('answers a bare 500 (no message) for an unexpected failure', async () => {
    const { deps, handler } = fakes();
    deps.sockets.connect.mockRejectedValueOnce(new Error('DynamoDB connections-secret unavailable'));
    expect(await handler(wsEvent('$connect', 'c1'), lambdaContext())).toEqual({ statusCode: 500 });
  });
});
