/**
 * The Powertools logger as the hub uses it: JSON lines with Lambda's context and the request's
 * correlation fields (reset after each invocation), debug sampling, and the compact style the
 * local hub prints. Middlewares are driven the way middy drives them (before, handler, after).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { captureOutput, parseEmf } from './emfTestkit';
import { correlationKeys, observability } from './http/middleware';
import { CompactLogFormatter, errorFields, lockTokenPrefix, log } from './log';
import { metrics } from './metrics';

const context = {
  functionName: 'devhub-test-deviceApi',
  awsRequestId: 'req-1',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:devhub-test-deviceApi',
  memoryLimitInMB: '512',
  functionVersion: '$LATEST',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;

const lines = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.startsWith('{') && !l.startsWith('{"_aws"'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** One invocation through the observability middlewares, as middy runs them. */
async function invoke(event: unknown, handler: () => unknown): Promise<void> {
  const mws = observability();
  const request = { event, context, response: undefined, error: undefined, internal: {} };
  for (const m of mws) await m.before?.(request as never);
  await handler();
  for (const m of [...mws].reverse()) await m.after?.(request as never);
}

describe('hub logger', () => {
  it('writes JSON lines with Lambda context, correlation fields and the caller fields; keys reset after the invocation', async () => {
    const lockToken = '12-0123456789abcdef0123456789abcdef';
    const event = {
      routeKey: 'DELETE /devices/{id}/messages/devicebound/{lockToken}',
      pathParameters: { id: 'dev%201', lockToken },
      headers: { 'iothub-messageid': 'm-1' },
    };
    const text = await captureOutput(async () => {
      await invoke(event, () => {
        log.info('settled', { outcome: 'Success' });
        metrics.add('C2dSettled', 1, { Outcome: 'Success' });
      });
      log.info('after');
    });
    const [inside, after] = lines(text);
    // The same stack publishes what the invocation recorded. (Powertools' ColdStart metric needs
    // AWS_LAMBDA_INITIALIZATION_TYPE=on-demand, which only Lambda sets.)
    const emf = parseEmf(text);
    expect(emf.some((l) => l.values.C2dSettled === 1 && l.dimensions.Outcome === 'Success')).toBe(true);
    expect(inside).toMatchObject({
      level: 'INFO',
      message: 'settled',
      function_name: 'devhub-test-deviceApi',
      function_request_id: 'req-1',
      cold_start: expect.any(Boolean),
      deviceId: 'dev 1',
      messageId: 'm-1',
      lockTokenPrefix: '12-01234',
      outcome: 'Success',
    });
    expect(JSON.stringify(inside)).not.toContain(lockToken);
    expect(after).toMatchObject({ message: 'after' });
    expect(after).not.toHaveProperty('deviceId');
    expect(after).not.toHaveProperty('lockTokenPrefix');
  });

  it('publishes metrics even when the handler fails, and nothing when it recorded nothing', async () => {
    const mws = observability();
    const request = { event: {}, context, response: undefined, error: new Error('boom'), internal: {} };
    const failed = await captureOutput(async () => {
      for (const m of mws) await m.before?.(request as never);
      metrics.add('WsPushFailures', 1);
      for (const m of [...mws].reverse()) await m.onError?.(request as never);
    });
    expect(parseEmf(failed).some((l) => l.values.WsPushFailures === 1)).toBe(true);
    expect(parseEmf(await captureOutput(() => invoke({}, () => undefined)))).toEqual([]);
  });

  it('names routes and endpoints by the API they come from, and WebSocket connections by id', () => {
    expect(correlationKeys({ routeKey: 'PUT /routes/{name}', pathParameters: { name: 'r1' } })).toEqual({ route: 'r1' });
    expect(correlationKeys({ routeKey: 'GET /endpoints/{name}/health', pathParameters: { name: 'q' } })).toEqual({ endpoint: 'q' });
    expect(correlationKeys({ requestContext: { connectionId: 'c-1' } })).toEqual({ connectionId: 'c-1' });
    expect(correlationKeys({ Records: [] })).toEqual({});
    expect(correlationKeys(null)).toEqual({});
    expect(lockTokenPrefix('7-ffffffffffffffffffffffffffffffff')).toBe('7-ffffff');
  });

  it('logs debug lines for a sampled share of invocations only (sample rate 1: all)', async () => {
    const sampled = new Logger({ logLevel: 'INFO', sampleRateValue: 1 });
    const unsampled = new Logger({ logLevel: 'INFO', sampleRateValue: 0 });
    const text = await captureOutput(() => {
      sampled.debug('sampled debug');
      unsampled.debug('dropped debug');
    });
    expect(text).toContain('sampled debug');
    expect(text).not.toContain('dropped debug');
  });

  it('prints a short line for a terminal in the compact style', async () => {
    const compact = new Logger({ logFormatter: new CompactLogFormatter() });
    const text = await captureOutput(() => {
      compact.addContext(context);
      compact.warn('queue full', { deviceId: 'd1' });
    });
    const [line] = lines(text);
    expect(Object.keys(line ?? {})).toEqual(['time', 'level', 'fn', 'message', 'deviceId']);
    expect(line).toMatchObject({ level: 'WARN', fn: 'deviceApi', message: 'queue full', deviceId: 'd1' });
    expect(String(line?.time)).toMatch(/^\d\d:\d\d:\d\d\.\d{3}$/);
  });

  it('reduces errors to name, message and the first stack lines', () => {
    const fields = errorFields(new TypeError('bad'));
    expect(fields).toMatchObject({ error: 'TypeError', errorMessage: 'bad' });
    expect(String(fields.stack).split('\n').length).toBeLessThanOrEqual(6);
    expect(errorFields('x')).toEqual({ error: 'x' });
  });
});
