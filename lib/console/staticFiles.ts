/**
 * Serving the web console's built files (dist/console): content types, validators and the
 * security headers every answer carries. Pure: the function hands in the files it loaded.
 */
import { createHash } from 'node:crypto';

export interface StaticFile {
  body: string;
  contentType: string;
  etag: string;
}

/** Same origin only, no inline script or style, nothing framed, nothing posted elsewhere. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), usb=(), serial=()',
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** Only plain file names of known types are served: no directories, no dot files. */
export function isServableName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(name) && !name.includes('..') && TYPES[extension(name)] !== undefined;
}

function extension(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? '' : name.slice(dot).toLowerCase();
}

export function staticFile(name: string, body: string): StaticFile {
  return {
    body,
    contentType: TYPES[extension(name)] ?? 'application/octet-stream',
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
  };
}

export interface StaticAnswer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** The answer for a request of `file` (undefined: no such file). Browsers revalidate every time (cheap 304s). */
export function answer(file: StaticFile | undefined, ifNoneMatch: string | undefined): StaticAnswer {
  if (!file) {
    return { statusCode: 404, headers: { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' }, body: 'Not found' };
  }
  const headers = { ...SECURITY_HEADERS, 'content-type': file.contentType, etag: file.etag, 'cache-control': 'no-cache' };
  const tags = (ifNoneMatch ?? '').split(',').map((t) => t.trim().replace(/^W\//, ''));
  if (tags.includes(file.etag)) return { statusCode: 304, headers, body: '' };
  return { statusCode: 200, headers, body: file.body };
}
