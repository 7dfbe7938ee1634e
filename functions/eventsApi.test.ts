/** GET /events with a fake reader: parameter validation, position round trip, throttling, auth. */
import { encodePosition } from '../lib/events/position';
import { makeHandler, type EventsApiDeps } from './eventsApi';
import { gatewayEvent, lambdaContext, parsed, tokenGate } from './handlerTestkit';

jest.mock('../lib/config', () => ({ ...jest.requireActual<object>('../lib/config'), loadConfig: () => ({}) }));
jest.mock('../lib/hub', () => ({ createHub: () => ({}) }));
jest.mock('../lib/adapters/aws/awsClients', () => ({ createAwsClients: () => ({}) }));

const position = { 'shardId-000000000000': { after: '42' } };

function fakes() {
  const deps = {
    auth: { authenticateService: tokenGate() },
    events: {
      read: jest.fn((opts: { limit: number }) => {
        void opts;
        return Promise.resolve({ messages: [{ deviceId: 'd1' }], position, millisBehindLatest: 0 });
      }),
    },
  };
  return { deps, handler: makeHandler(deps as unknown as EventsApiDeps) };
}

const read = (query: Record<string, string> = {}, authorization = 'good') =>
  gatewayEvent('GET /events', { headers: { authorization }, query });

describe('eventsApi handler', () => {
  it('reads with ServiceConnect, the given filter and top, and answers the position encoded', async () => {
    const { deps, handler } = fakes();
    const result = parsed(await handler(read({ deviceId: 'd1', top: '5', from: 'latest' }), lambdaContext()));
    expect(result.status).toBe(200);
    expect(result.body).toEqual({ messages: [{ deviceId: 'd1' }], position: encodePosition(position), millisBehindLatest: 0 });
    expect(deps.auth.authenticateService).toHaveBeenCalledWith('good', 'ServiceConnect');
    expect(deps.events.read).toHaveBeenCalledWith(
      expect.objectContaining({ deviceId: 'd1', limit: 5, from: 'latest', position: undefined }),
    );
  });

  it('hands back a position it issued, decoded', async () => {
    const { deps, handler } = fakes();
    await handler(read({ position: encodePosition(position) }), lambdaContext());
    expect(deps.events.read).toHaveBeenCalledWith(expect.objectContaining({ position, limit: 100 }));
  });

  it.each([[{ top: '0' }], [{ top: '1001' }], [{ top: '2.5' }], [{ deviceId: 'bad id!' }], [{ position: 'not-a-position' }]])(
    'refuses %j with 400 and reads nothing',
    async (query) => {
      const { deps, handler } = fakes();
      const result = parsed(await handler(read(query), lambdaContext()));
      expect([result.status, result.errorCode]).toEqual([400, 'ArgumentInvalid']);
      expect(deps.events.read).not.toHaveBeenCalled();
    },
  );

  it('refuses a bad token with 401', async () => {
    const { deps, handler } = fakes();
    expect(parsed(await handler(read({}, 'bad'), lambdaContext())).status).toBe(401);
    expect(deps.events.read).not.toHaveBeenCalled();
  });

  it.each(['ProvisionedThroughputExceededException', 'LimitExceededException'])(
    'turns Kinesis %s into 429 with Retry-After',
    async (name) => {
      const { deps, handler } = fakes();
      deps.events.read.mockRejectedValueOnce(Object.assign(new Error('Rate exceeded for shard'), { name }));
      const result = parsed(await handler(read(), lambdaContext()));
      expect([result.status, result.errorCode]).toEqual([429, 'ThrottlingException']);
      expect(result.headers['retry-after'] ?? result.headers['Retry-After']).toBe('1');
    },
  );

  it('answers any other reader failure with 500 that reveals nothing', async () => {
    const { deps, handler } = fakes();
    deps.events.read.mockRejectedValueOnce(new Error('arn:aws:kinesis:secret-stream'));
    const raw = await handler(read(), lambdaContext());
    expect(parsed(raw).status).toBe(500);
    expect(JSON.stringify(raw)).not.toContain('secret-stream');
  });
});
