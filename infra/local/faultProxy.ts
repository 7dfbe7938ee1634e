/**
 * A pass-through HTTP proxy in front of an emulator that can inject the faults the emulators
 * never produce: whole-call errors (throttling, 5xx) and partial batch failures of Kinesis
 * PutRecords and SQS SendMessageBatch, and DynamoDB single-item writes that are applied but
 * answered with an error (the lost response a client retries). Tests and the soak run steer
 * it over HTTP:
 *   POST /__devhub/faults  {"operation":"PutRecords","mode":"error"|"partial","count":n,"match":"text"}
 *   DELETE /__devhub/faults
 *   GET /__devhub/faults   → active rules and how often each fired
 * The functions reach the emulators only through it when the hub runs with fault injection.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FaultRule {
  /** The API operation, e.g. PutRecords, SendMessageBatch, TransactWriteItems, UpdateItem. */
  operation: string;
  /**
   * error: the whole call fails; partial: every other entry of a batch fails (PutRecords,
   * SendMessageBatch), or a PutItem/UpdateItem/DeleteItem is applied and answered with a 500;
   * hang: never answered (the caller's own timeout has to end it).
   */
  mode: 'error' | 'partial' | 'hang';
  /** Only calls whose request body contains this text (e.g. one queue's URL). */
  match?: string;
  /** How many matching calls to affect (default unlimited until cleared). */
  count?: number;
  /** Error code for mode "error" (default InternalFailure / HTTP 500). */
  errorCode?: string;
  status?: number;
  fired?: number;
}

export interface FaultProxy {
  port: number;
  url: string;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function forward(
  targetPort: number,
  req: IncomingMessage,
  body: Buffer,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers, 'content-length': String(body.length) };
    const out = request({ host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    out.on('error', reject);
    out.end(body);
  });
}

function operationOf(req: IncomingMessage): string {
  const target = req.headers['x-amz-target'];
  return typeof target === 'string' ? (target.split('.').pop() ?? '') : '';
}

function send(res: ServerResponse, status: number, body: unknown, contentType = 'application/x-amz-json-1.1'): void {
  const data = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  res.writeHead(status, { 'content-type': contentType, 'content-length': data.length });
  res.end(data);
}

/** Fails every other entry: forwards the rest, then merges results in the original order. */
async function partial(
  targetPort: number,
  req: IncomingMessage,
  body: Buffer,
  operation: string,
): Promise<{ status: number; body: unknown } | undefined> {
  const input = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  if (operation === 'PutRecords' && Array.isArray(input.Records)) {
    const records = input.Records as unknown[];
    const keep = records.filter((_, i) => i % 2 === 0);
    const res = await forward(targetPort, req, Buffer.from(JSON.stringify({ ...input, Records: keep })));
    if (res.status !== 200) return { status: res.status, body: res.body.toString('utf8') };
    const written = (JSON.parse(res.body.toString('utf8')) as { Records: unknown[] }).Records;
    let w = 0;
    const merged = records.map((_, i) =>
      i % 2 === 0 ? written[w++] : { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'injected partial failure' },
    );
    return { status: 200, body: { FailedRecordCount: records.length - keep.length, Records: merged } };
  }
  if (operation === 'SendMessageBatch' && Array.isArray(input.Entries)) {
    const entries = input.Entries as { Id: string }[];
    const keep = entries.filter((_, i) => i % 2 === 0);
    const failed = entries
      .filter((_, i) => i % 2 === 1)
      .map((e) => ({ Id: e.Id, Code: 'InternalError', Message: 'injected partial failure', SenderFault: false }));
    if (keep.length === 0) return { status: 200, body: { Successful: [], Failed: failed } };
    const res = await forward(targetPort, req, Buffer.from(JSON.stringify({ ...input, Entries: keep })));
    if (res.status !== 200) return { status: res.status, body: res.body.toString('utf8') };
    const out = JSON.parse(res.body.toString('utf8')) as { Successful?: unknown[]; Failed?: unknown[] };
    return { status: 200, body: { Successful: out.Successful ?? [], Failed: [...(out.Failed ?? []), ...failed] } };
  }
  if (operation === 'PutItem' || operation === 'UpdateItem' || operation === 'DeleteItem') {
    const res = await forward(targetPort, req, body);
    if (res.status !== 200) return { status: res.status, body: res.body.toString('utf8') };
    return { status: 500, body: { __type: 'InternalServerError', message: 'injected: the write was applied, the answer lost' } };
  }
  return undefined;
}

export async function startFaultProxy(targetPort: number): Promise<FaultProxy> {
  const rules: FaultRule[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      if (req.url?.startsWith('/__devhub/faults')) {
        if (req.method === 'POST') rules.push({ ...(JSON.parse(body.toString('utf8')) as FaultRule), fired: 0 });
        if (req.method === 'DELETE') rules.length = 0;
        send(res, 200, rules, 'application/json');
        return;
      }
      const operation = operationOf(req);
      const text = body.toString('utf8');
      const rule = rules.find(
        (r) =>
          r.operation === operation &&
          (r.count === undefined || (r.fired ?? 0) < r.count) &&
          (r.match === undefined || text.includes(r.match)),
      );
      if (rule) {
        rule.fired = (rule.fired ?? 0) + 1;
        if (rule.mode === 'hang') {
          res.on('close', () => undefined); // held open until the caller gives up
          return;
        }
        if (rule.mode === 'error') {
          const code = rule.errorCode ?? 'InternalFailure';
          send(res, rule.status ?? 500, { __type: code, message: 'injected fault' });
          return;
        }
        const out = await partial(targetPort, req, body, operation);
        if (out) {
          send(res, out.status, out.body, String(req.headers['content-type'] ?? 'application/x-amz-json-1.1'));
          return;
        }
      }
      const out = await forward(targetPort, req, body);
      res.writeHead(out.status, out.headers);
      res.end(out.body);
    })().catch((err: unknown) => {
      if (!res.headersSent) send(res, 502, { __type: 'ProxyError', message: err instanceof Error ? err.message : String(err) });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
