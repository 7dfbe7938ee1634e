/**
 * The console's static file handler over the console's source files (console/index.html,
 * console/style.css: the handler reads `../console` beside its module, in the source tree as in
 * the bundle). No data access, so no fakes: names, types, ETags, 304 and 404.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { handler } from './console';
import { gatewayEvent, lambdaContext, parsed } from './handlerTestkit';

const page = readFileSync(join(__dirname, '../console/index.html'), 'utf8');

describe('console handler', () => {
  it('serves the page at /console with its type, an ETag and the security headers', async () => {
    const result = await handler(gatewayEvent('GET /console'), lambdaContext());
    expect(result.statusCode).toBe(200);
    expect(result.body).toBe(page);
    expect(result.headers['content-type']).toMatch(/^text\/html/);
    expect(result.headers.etag).toMatch(/^"[\w-]+"$/);
    expect(result.headers['content-security-policy']).toBeDefined();
  });

  it('serves a named file, and answers 304 to its ETag', async () => {
    const first = await handler(gatewayEvent('GET /console/{file}', { pathParameters: { file: 'style.css' } }), lambdaContext());
    expect([first.statusCode, first.headers['content-type']]).toEqual([200, expect.stringMatching(/^text\/css/) as unknown]);
    const again = await handler(
      gatewayEvent('GET /console/{file}', {
        pathParameters: { file: 'style.css' },
        headers: { 'If-None-Match': `W/${first.headers.etag}` },
      }),
      lambdaContext(),
    );
    expect([again.statusCode, again.body]).toEqual([304, '']);
  });

  it.each(['..', '.env', 'tsconfig.json.bak', 'missing.js', 'src'])('answers 404 for %s', async (file) => {
    const result = parsed(await handler(gatewayEvent('GET /console/{file}', { pathParameters: { file } }), lambdaContext()));
    expect(result.status).toBe(404);
  });

  it('answers 404 NotFound (IoT Hub error body) for a route it does not serve', async () => {
    const result = parsed(await handler(gatewayEvent('POST /console'), lambdaContext()));
    expect([result.status, result.errorCode]).toEqual([404, 'NotFound']);
  });
});
