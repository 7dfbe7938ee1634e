/** The scheduled WebSocket sweeper with a fake socket service, through its real middy chain. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { captureOutput, parseEmf } from '../lib/emfTestkit';
import { log } from '../lib/log';
import { metrics } from '../lib/metrics';
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

  it('runs inside the observability middleware like every function: Logger context, its metrics published at the end, ColdStart', async () => {
    const coldStart = jest.spyOn(metrics.sink, 'captureColdStartMetric');
    const sweep = jest.fn(() => {
      log.info('closing a quiet socket');
      metrics.add('WsPushFailures', 1); // what a failed closing frame records (lib/adapters/aws/socketPusher.ts)
      return Promise.resolve(1);
    });
    const handler = makeHandler({ sockets: { sweep } } as unknown as WsSweeperDeps);
    const text = await captureOutput(() => handler({}, lambdaContext()));
    const coldStartCalls = coldStart.mock.calls.map((c) => c[0]);
    coldStart.mockRestore();
    const line = text
      .split('\n')
      .filter((l) => l.startsWith('{') && !l.startsWith('{"_aws"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.message === 'closing a quiet socket');
    expect(line).toMatchObject({ function_name: 'devhub-test-fn', function_request_id: 'req-test-1', cold_start: expect.any(Boolean) });
    expect(
      parseEmf(text)
        .filter((l) => l.values.WsPushFailures !== undefined)
        .map((l) => l.values.WsPushFailures),
    ).toEqual([1]);
    expect(coldStartCalls).toEqual(['devhub-test-fn']);
  });

  it('lets a sweep failure propagate', async () => {
    const handler = makeHandler({ sockets: { sweep: () => Promise.reject(new Error('boom')) } } as unknown as WsSweeperDeps);
    await expect(handler({}, lambdaContext())).rejects.toThrow('boom');
  });
});

describe('every function in serverless.yml', () => {
  it('wraps its handler with observability() (wsSweeper once did not: no request id in its logs, its metrics never published)', () => {
    const root = join(__dirname, '..');
    const handlers = [...readFileSync(join(root, 'serverless.yml'), 'utf8').matchAll(/handler: dist\/functions\/(\w+)\.handler/g)].map(
      (m) => m[1],
    );
    expect(handlers).toContain('wsSweeper');
    for (const name of handlers) {
      const source = readFileSync(join(root, 'functions', `${name}.ts`), 'utf8');
      expect([name, /\.use\(observability\(\)\)/.test(source)]).toEqual([name, true]);
    }
  });
});
