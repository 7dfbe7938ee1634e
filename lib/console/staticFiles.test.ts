import { answer, CONTENT_SECURITY_POLICY, isServableName, staticFile } from './staticFiles';

describe('console static files', () => {
  it('serves only plain names of known types', () => {
    for (const ok of ['index.html', 'app.js', 'app.css', 'app.js.map']) expect([ok, isServableName(ok)]).toEqual([ok, true]);
    for (const bad of ['', '.env', '../package.json', 'a/b.js', 'app.exe', 'x..js', 'index.html%00', `${'a'.repeat(101)}.js`])
      expect([bad, isServableName(bad)]).toEqual([bad, false]);
  });

  it('answers with security headers, a content hash ETag, 304 on a match and 404 without a file', () => {
    const file = staticFile('app.js', 'console.log(1)');
    const ok = answer(file, undefined);
    expect(ok).toMatchObject({ statusCode: 200, body: 'console.log(1)' });
    expect(ok.headers).toMatchObject({
      'content-type': 'text/javascript; charset=utf-8',
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-cache',
    });
    expect(staticFile('app.js', 'console.log(2)').etag).not.toBe(file.etag);
    expect(answer(file, file.etag).statusCode).toBe(304);
    expect(answer(file, `"other", W/${file.etag}`).statusCode).toBe(304);
    expect(answer(file, '"other"').statusCode).toBe(200);
    const missing = answer(undefined, undefined);
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
  });

  it('allows nothing inline and no other origin', () => {
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe|https?:|\*/);
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
  });
});
