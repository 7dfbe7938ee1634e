/** The scheduled WebSocket sweeper with a fake socket service. */
import { lambdaContext } from './handlerTestkit';
import { makeHandler, type WsSweeperDeps } from './wsSweeper';

jest.mock('../lib/config', () => ({ ...jest.requireActual<object>('../lib/config'), loadConfig: () => ({}) }));
jest.mock('../lib/hub', () => ({ createHub: () => ({}) }));
jest.mock('../lib/adapters/aws/awsClients', () => ({ createAwsClients: () => ({}) }));

describe('wsSweeper handler', () => {
  it('answers how many connections the socket service closed', async () => {
    const sweep = jest.fn(() => Promise.resolve(4));
    const handler = makeHandler({ sockets: { sweep } } as unknown as WsSweeperDeps);
    expect(await handler({}, lambdaContext())).toEqual({ closed: 4 });
    expect(sweep).toHaveBeenCalledTimes(1);
  });

  it('lets a sweep failure propagate', async () => {
    const handler = makeHandler({ sockets: { sweep: () => Promise.reject(new Error('boom')) } } as unknown as WsSweeperDeps);
    await expect(handler({}, lambdaContext())).rejects.toThrow('boom');
  });
});
