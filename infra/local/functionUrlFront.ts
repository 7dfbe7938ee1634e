/**
 * The local hub's Lambda function URL: serverless-offline 13 has none, so this small HTTP(S)
 * server turns each request into a function URL event (./functionUrlEvent.ts) and invokes the
 * device function through serverless offline's Lambda Invoke endpoint with the AWS SDK, the
 * same handler and process as every other route. It keeps AWS's limits: a request whose event
 * is over 6 MB is answered 413 before the function runs; an unhandled error or a response over
 * 6 MB is a 502.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { join } from 'node:path';
import { listenClosable } from './listening';
import { functionFailed, functionUrlEvent, httpAnswer, INVOKE_PAYLOAD_LIMIT, payloadTooLarge, type HttpAnswer } from './functionUrlEvent';

export interface FunctionUrlFront {
  url: string;
  close(): Promise<void>;
}

export interface FunctionUrlFrontOptions {
  port: number;
  /** The host devices name (the URL's host; `requestContext.domainName`). */
  hostname: string;
  /** The deployed name of the function (serverless offline invokes by it). */
  functionName: string;
  /** serverless offline's Lambda endpoint (`http://127.0.0.1:{lambdaPort}`). */
  lambdaEndpoint: string;
  region: string;
  tlsDir?: string;
  log: (line: string) => void;
}

export async function startFunctionUrlFront(opts: FunctionUrlFrontOptions): Promise<FunctionUrlFront> {
  const lambda = new LambdaClient({
    endpoint: opts.lambdaEndpoint,
    region: opts.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    // Invocations wait as long as the function runs (a function URL has no 30 s gateway cap).
    requestHandler: new NodeHttpHandler({ requestTimeout: 0 }),
    maxAttempts: 1,
  });

  const invoke = async (req: IncomingMessage, body: Buffer): Promise<HttpAnswer> => {
    const event = functionUrlEvent(
      {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        rawHeaders: req.rawHeaders,
        body,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
      },
      opts.hostname,
    );
    const payload = Buffer.from(JSON.stringify(event));
    if (payload.length > INVOKE_PAYLOAD_LIMIT) return payloadTooLarge();
    const out = await lambda.send(new InvokeCommand({ FunctionName: opts.functionName, Payload: payload }));
    const result = Buffer.from(out.Payload ?? new Uint8Array());
    if (out.FunctionError || result.length > INVOKE_PAYLOAD_LIMIT) {
      opts.log(`function URL: ${opts.functionName} failed (${out.FunctionError ?? 'response over 6 MB'})`);
      return functionFailed();
    }
    return httpAnswer(result.length === 0 ? null : JSON.parse(result.toString('utf8')));
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const send = (answer: HttpAnswer) => {
      if (res.headersSent) return;
      res.writeHead(answer.status, { ...answer.headers, 'content-length': String(answer.body.length) });
      res.end(answer.body);
    };
    // Refuse what cannot fit before reading it (the event is larger still than the body).
    if (Number(req.headers['content-length'] ?? 0) > INVOKE_PAYLOAD_LIMIT) {
      send(payloadTooLarge());
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > INVOKE_PAYLOAD_LIMIT) over = true;
      else chunks.push(chunk);
    });
    req.on('end', () => {
      if (over) return send(payloadTooLarge());
      invoke(req, Buffer.concat(chunks)).then(send, (err: unknown) => {
        opts.log(`function URL: invoke failed: ${err instanceof Error ? err.message : String(err)}`);
        send(functionFailed());
      });
    });
  };

  const server: Server = opts.tlsDir
    ? createHttpsServer({ cert: readFileSync(join(opts.tlsDir, 'cert.pem')), key: readFileSync(join(opts.tlsDir, 'key.pem')) }, onRequest)
    : createHttpServer(onRequest);
  const { close } = await listenClosable(server, { port: opts.port, host: '0.0.0.0', onClose: () => lambda.destroy() });
  return { url: `${opts.tlsDir ? 'https' : 'http'}://${opts.hostname}:${opts.port}`, close };
}
