/**
 * A small HTTP client for the hub's APIs, used by the CLI, the tests and the benchmarks.
 * It speaks plain HTTP(S) as any IoT Hub device or backend would.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import { Agent } from 'node:http';

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  text(): string;
  json<T = unknown>(): T;
}

// Idle sockets are dropped before servers (hapi: 5 s) close them, to avoid reusing a dead one.
const httpAgent = new Agent({ keepAlive: true, maxSockets: 256, timeout: 4000 });
// Local TLS uses a self-signed certificate; callers opt in to accepting it.
const httpsAgents = new Map<boolean, HttpsAgent>();

export interface RequestOptions {
  method: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  insecure?: boolean;
  timeoutMs?: number;
}

export async function httpCall(url: string, opts: RequestOptions): Promise<HttpResponse> {
  try {
    return await httpCallOnce(url, opts);
  } catch (err) {
    // A kept-alive socket the server closed just as we reused it: the request never reached
    // the server, so sending it again is safe (Node's documented pattern for reusedSocket).
    if ((err as { reusedSocket?: boolean }).reusedSocket && (err as NodeJS.ErrnoException).code === 'ECONNRESET')
      return httpCallOnce(url, opts);
    throw err;
  }
}

function httpCallOnce(url: string, opts: RequestOptions): Promise<HttpResponse> {
  const u = new URL(url);
  const isHttps = u.protocol === 'https:';
  const body = opts.body === undefined ? undefined : Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(opts.body);
  const headers: Record<string, string | number> = { ...opts.headers };
  if (body) headers['content-length'] = body.length;
  const insecure = opts.insecure ?? false;
  let agent: Agent | HttpsAgent = httpAgent;
  if (isHttps) {
    agent = httpsAgents.get(insecure) ?? new HttpsAgent({ keepAlive: true, maxSockets: 256, timeout: 4000, rejectUnauthorized: !insecure });
    httpsAgents.set(insecure, agent as HttpsAgent);
  }
  return new Promise((resolve, reject) => {
    const req = (isHttps ? httpsRequest : httpRequest)(u, { method: opts.method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const buf = Buffer.concat(chunks);
        const hdrs: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) hdrs[k] = Array.isArray(v) ? v.join(', ') : v;
        resolve({
          status: res.statusCode ?? 0,
          headers: hdrs,
          body: buf,
          text: () => buf.toString('utf8'),
          json: <T>() => JSON.parse(buf.toString('utf8')) as T,
        });
      });
      res.on('error', reject);
    });
    req.setTimeout(opts.timeoutMs ?? 30_000, () => req.destroy(new Error(`request to ${u.pathname} timed out`)));
    req.on('error', (err) => reject(Object.assign(err, { reusedSocket: req.reusedSocket })));
    req.end(body);
  });
}

/** IoT Hub style error body → one readable line. */
export function describeError(res: HttpResponse): string {
  try {
    const body = res.json<{ Message?: string }>();
    if (body.Message) return `${res.status}: ${body.Message}`;
  } catch {
    /* not JSON */
  }
  return `${res.status}: ${res.text().slice(0, 200) || 'no body'}`;
}
