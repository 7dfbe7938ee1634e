/** WebSocket $disconnect with a fake socket service. */
import { lambdaContext, wsEvent } from './handlerTestkit';
import { makeHandler, type WsDisconnectDeps } from './wsDisconnect';

jest.mock('../lib/config', () => ({ ...jest.requireActual<object>('../lib/config'), loadConfig: () => ({}) }));
jest.mock('../lib/hub', () => ({ createHub: () => ({}) }));
jest.mock('../lib/adapters/aws/awsClients', () => ({ createAwsClients: () => ({}) }));

describe('wsDisconnect handler', () => {
  it('forgets the connection and answers 200', async () => {
    const disconnect = jest.fn(() => Promise.resolve());
    const handler = makeHandler({ sockets: { disconnect } } as unknown as WsDisconnectDeps);
    expect(await handler(wsEvent('$disconnect', 'c1'), lambdaContext())).toEqual({ statusCode: 200 });
    expect(disconnect).toHaveBeenCalledWith('c1');
  });

  it('lets a failure propagate (Lambda logs it; the connection TTL cleans up)', async () => {
    const disconnect = jest.fn(() => Promise.reject(new Error('DynamoDB down')));
    const handler = makeHandler({ sockets: { disconnect } } as unknown as WsDisconnectDeps);
    await expect(handler(wsEvent('$disconnect', 'c1'), lambdaContext())).rejects.toThrow('DynamoDB down');
  });
});
