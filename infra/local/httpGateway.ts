/**
 * API Gateway's request handling in front of `serverless offline`'s HTTP port. API Gateway reads
 * a whole request (at most 10 MB) before it routes it, and always answers: a route it does not
 * know is its own 404, an oversized body its own 413. serverless offline (hapi) differs in a way
 * a device can see: for GET and HEAD it never reads the request body, answers, adds
 * `connection: close` and closes the socket while the client is still sending; the unread bytes
 * make the kernel reset the connection, and the client often loses the answer (fuzz seed
 * 829242828: a HEAD with a 548 KB body got EPIPE instead of a 4xx). hapi also serves HEAD on
 * every GET route, where an HTTP API only matches a route defined for HEAD (or ANY).
 *
 * So the hub's public HTTP port is this proxy: it reads the whole body first (draining past
 * 10 MB and answering 413), answers HEAD on a path without a HEAD/ANY route with API Gateway's
 * 404, forwards GET without the body hapi would not read, and streams every other request to
 * offline over kept-alive connections. Compared: `http-proxy` (unmaintained since 2020) pipes
 * bodies as they arrive, which is exactly the half-read case this proxy exists to avoid.
 */
import { readFileSync } from 'node:fs';
import {
  Agent as HttpAgent,
  createServer as createHttpServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { Agent as HttpsAgent, createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { listenClosable } from './listening';

/** API Gateway HTTP API payload quota (lib/http/eventFormat.ts lists the sources). */
export const GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface HttpGatewayOptions {
  listenPort: number;
  targetPort: number;
  /** Serve and forward HTTPS with the hub's certificate (offline then listens on HTTPS too). */
  tlsDir?: string;
  /** Whether the service defines a HEAD (or ANY) route: then HEAD is forwarded like any method. */
  headRoutes: boolean;
  log: (line: string) => void;
}

export interface HttpGateway {
  close(): Promise<void>;
}

/** API Gateway's own answers carry `{"message": ...}` and an `apigw-requestid`-like header. */
function gatewayAnswer(res: ServerResponse, status: number, message: string, method: string): void {
  const body = JSON.stringify({ message });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(method === 'HEAD' ? undefined : body);
}

/** Reads the whole body; past `limit` keeps reading (so the client sees an answer, not a reset) and reports it too large. */
export function readWholeBody(req: IncomingMessage, limit = GATEWAY_MAX_BODY_BYTES): Promise<{ body: Buffer; tooLarge: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = Number(req.headers['content-length'] ?? 0) > limit;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      if (!tooLarge) chunks.push(chunk);
    });
    req.on('end', () => resolve({ body: tooLarge ? Buffer.alloc(0) : Buffer.concat(chunks), tooLarge }));
    req.on('error', reject);
  });
}

export async function startHttpGateway(opts: HttpGatewayOptions): Promise<HttpGateway> {
  const tls = opts.tlsDir
    ? { cert: readFileSync(join(opts.tlsDir, 'cert.pem')), key: readFileSync(join(opts.tlsDir, 'key.pem')) }
    : undefined;
  const agent = tls ? new HttpsAgent({ keepAlive: true, rejectUnauthorized: false }) : new HttpAgent({ keepAlive: true });
  const forward = tls ? httpsRequest : httpRequest;

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const method = req.method ?? 'GET';
    readWholeBody(req).then(
      ({ body, tooLarge }) => {
        if (tooLarge) return gatewayAnswer(res, 413, 'Request Entity Too Large', method);
        if (method === 'HEAD' && !opts.headRoutes) return gatewayAnswer(res, 404, 'Not Found', method);
        const headers = { ...req.headers };
        delete headers['transfer-encoding'];
        delete headers.connection;
        delete headers.expect; // answered here already (Node sends the 100 Continue)
        const sendBody = method !== 'GET' && method !== 'HEAD';
        if (sendBody || headers['content-length'] !== undefined) headers['content-length'] = String(sendBody ? body.length : 0);
        const upstream = forward({ host: '127.0.0.1', port: opts.targetPort, method, path: req.url, headers, agent }, (answer) => {
          const out = { ...answer.headers };
          // The client's connection is ours to keep or close, not offline's.
          delete out.connection;
          res.writeHead(answer.statusCode ?? 502, out);
          answer.pipe(res);
        });
        upstream.on('error', (err) => {
          opts.log(`http gateway: offline did not answer ${method} ${req.url ?? ''}: ${err.message}`);
          if (!res.headersSent) gatewayAnswer(res, 503, 'Service Unavailable', method);
          else res.destroy();
        });
        upstream.end(sendBody ? body : undefined);
      },
      () => res.destroy(),
    );
  };
  const server = tls ? createHttpsServer(tls, onRequest) : createHttpServer(onRequest);
  server.on('connection', (s: Socket) => s.setNoDelay(true));
  return listenClosable(server, { port: opts.listenPort, onClose: () => agent.destroy() });
}
