/** WebSocket $default with fakes: the frame reaches the socket service; a failure becomes an error frame and 200. */
import { metrics } from '../lib/metrics';
import { lambdaContext, wsEvent } from './handlerTestkit';
import { makeHandler, type WsDefaultDeps } from './wsDefault';

jest.mock('../lib/config', () => ({ ...jest.requireActual<object>('../lib/config'), loadConfig: () => ({}) }));
jest.mock('../lib/hub', () => ({ createHub: () => ({}) }));
jest.mock('../lib/adapters/aws/awsClients', () => ({ createAwsClients: () => ({}) }));

function fakes() {
  const deps = {
    sockets: { frame: jest.fn(() => Promise.resolve()) },
    frameSink: { post: jest.fn(() => Promise.resolve()) },
    config: { websocketManagementEndpoint: '' },
  };
  return { deps, handler: makeHandler(deps as unknown as WsDefaultDeps) };
}

describe('wsDefault handler', () => {
  it('hands the frame text, connection and endpoint to the socket service', async () => {
    const { deps, handler } = fakes();
    const result = await handler(wsEvent('$default', 'c1', { body: '{"op":"ping"}' }), lambdaContext());
    expect(result).toEqual({ statusCode: 200 });
    expect(deps.sockets.frame).toHaveBeenCalledWith('c1', '{"op":"ping"}', 'https://ws.example.test/dev');
    expect(deps.frameSink.post).not.toHaveBeenCalled();
  });

  it('decodes a base64 (binary) frame to text', async () => {
    const { deps, handler } = fakes();
    await handler(
      wsEvent('$default', 'c1', { body: Buffer.from('{"op":"ping"}').toString('base64'), isBase64Encoded: true }),
      lambdaContext(),
    );
    expect(deps.sockets.frame).toHaveBeenCalledWith('c1', '{"op":"ping"}', 'https://ws.example.test/dev');
  });

  it('tells the device ServiceUnavailable when the frame fails, counts WsFrameFailures, and still answers 200', async () => {
    const { deps, handler } = fakes();
    deps.sockets.frame.mockRejectedValueOnce(new Error('DynamoDB down'));
    const counted = jest.spyOn(metrics, 'add');
    expect(await handler(wsEvent('$default', 'c1', { body: '{}' }), lambdaContext())).toEqual({ statusCode: 200 });
    expect(deps.frameSink.post).toHaveBeenCalledTimes(1);
    const [endpoint, connectionId, reply] = deps.frameSink.post.mock.calls[0] as unknown as [string, string, unknown];
    expect([endpoint, connectionId]).toEqual(['https://ws.example.test/dev', 'c1']);
    expect(JSON.stringify(reply)).toContain('ServiceUnavailable');
    expect(JSON.stringify(reply)).not.toContain('DynamoDB');
    expect(counted).toHaveBeenCalledWith('WsFrameFailures', 1);
    counted.mockRestore();
  });

  it('answers 200 even when the error frame cannot be posted (socket gone)', async () => {
    const { deps, handler } = fakes();
    deps.sockets.frame.mockRejectedValueOnce(new Error('boom'));
    deps.frameSink.post.mockRejectedValueOnce(new Error('GoneException'));
    expect(await handler(wsEvent('$default', 'c1', { body: '{}' }), lambdaContext())).toEqual({ statusCode: 200 });
  });

  it('answers 200 at the deadline when the frame hangs, counting it as a frame failure', async () => {
    const { deps, handler } = fakes();
    deps.sockets.frame.mockImplementationOnce(() => new Promise(() => undefined));
    const counted = jest.spyOn(metrics, 'add');
    expect(await handler(wsEvent('$default', 'c1', { body: '{}' }), lambdaContext(1600))).toEqual({ statusCode: 200 });
    expect(counted).toHaveBeenCalledWith('WsFrameFailures', 1);
    counted.mockRestore();
  });
});
