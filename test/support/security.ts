/**
 * Helpers for the hostile-input, authorization, limits and secrets tests: the test hub's
 * policy keys, token builders, and the checks every error answer must pass.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { httpCall, type HttpResponse } from '../../client/http';
import type { Envelope } from '../../lib/envelope';
import type { Policy } from '../../lib/policies';
import { DEVICE_KEY_SEED_KEY } from '../../lib/adapters/aws/deviceKeySeed';
import { buildSasToken, deviceResource } from '../../lib/sas';
import { hubInfo, resourceName } from './hub';

export const BUILT_IN_POLICY_NAMES = ['iothubowner', 'service', 'device', 'registryRead', 'registryReadWrite'] as const;
export type BuiltInPolicyName = (typeof BUILT_IN_POLICY_NAMES)[number];

/** The built-in policies with their keys, read straight from the hub's policies table. */
export async function readPolicies(): Promise<Map<string, Policy>> {
  hubInfo(); // points the SDK at the emulators
  const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  try {
    const out = await dynamo.send(new ScanCommand({ TableName: resourceName('POLICIES_TABLE') }));
    const policies = (out.Items ?? []) as Policy[];
    return new Map(policies.map((p) => [p.name, p]));
  } finally {
    dynamo.destroy();
  }
}

/** The hub's device-key seed (lib/adapters/aws/deviceKeySeed.ts), read straight from its devices table. */
export async function readDeviceKeySeed(): Promise<string> {
  hubInfo(); // points the SDK at the emulators
  const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  try {
    const out = await dynamo.send(
      new GetCommand({ TableName: resourceName('DEVICES_TABLE'), Key: { deviceId: DEVICE_KEY_SEED_KEY }, ConsistentRead: true }),
    );
    const seed = out.Item?.seed;
    if (typeof seed !== 'string') throw new Error('the test hub has no device-key seed');
    return seed;
  } finally {
    dynamo.destroy();
  }
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

export function policyToken(policy: Pick<Policy, 'name' | 'primaryKey'>, expiry = nowSeconds() + 600, host = 'localhost'): string {
  return buildSasToken({ resource: host, keyBase64: policy.primaryKey, expiry, keyName: policy.name });
}

/** A policy token for one device's endpoints (`sr={host}/devices/{id}`, `skn`), as DeviceConnect uses. */
export function policyDeviceToken(policy: Pick<Policy, 'name' | 'primaryKey'>, deviceId: string, expiry = nowSeconds() + 600): string {
  return buildSasToken({ resource: deviceResource('localhost', deviceId), keyBase64: policy.primaryKey, expiry, keyName: policy.name });
}

export function deviceToken(deviceId: string, key: string, expiry = nowSeconds() + 600, host = 'localhost'): string {
  return buildSasToken({ resource: deviceResource(host, deviceId), keyBase64: key, expiry });
}

/** The `sig=` value of a token, decoded (what a log would leak). */
export function signatureOf(token: string): string {
  const match = /[?&\s]sig=([^&]+)/.exec(token);
  return match?.[1] ? decodeURIComponent(match[1]) : '';
}

/** Patterns a stack trace or internal detail would show. */
const INTERNALS = /\bat [\w.<>]+ \(|\.ts:\d+|\.js:\d+:\d+|node_modules|TypeError|ReferenceError|SyntaxError: Unexpected|\/work\//;

export function leaksInternals(text: string): boolean {
  return INTERNALS.test(text);
}

export interface IotHubErrorBody {
  Message: string;
  ExceptionMessage: string;
}

/** The IoT Hub error body of a response, or a string saying why it is not one. */
export function iotHubErrorBody(res: HttpResponse): IotHubErrorBody | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(res.text());
  } catch {
    return `not JSON: ${res.text().slice(0, 120)}`;
  }
  if (parsed === null || typeof parsed !== 'object') return 'not an object';
  const body = parsed as Record<string, unknown>;
  if (typeof body.Message !== 'string' || typeof body.ExceptionMessage !== 'string')
    return `no Message/ExceptionMessage: ${res.text().slice(0, 120)}`;
  if (!body.Message.startsWith('ErrorCode:') || !body.ExceptionMessage.startsWith('ErrorCode:')) return 'no ErrorCode prefix';
  return { Message: body.Message, ExceptionMessage: body.ExceptionMessage };
}

/**
 * A response the gateway (serverless offline / its HTTP server) produced before any of our
 * handlers ran: no route matched, or the transport refused the request. API Gateway answers
 * those itself in AWS too ({"message":"Not Found"}), so they carry no IoT Hub body.
 */
export function isGatewayResponse(res: HttpResponse): boolean {
  const text = res.text();
  return (
    text.includes('Serverless-offline: route not found') ||
    /^\{"statusCode":4\d\d,"error":"[^"]+"(,"message":"[^"]*")?\}$/.test(text) || // hapi's own 4xx (payload limits, bad requests)
    (res.status === 400 && text === '')
  );
}

/** Sends a request and never hangs: a timeout is reported as status 0. */
export async function callWithTimeout(
  url: string,
  opts: { method: string; headers?: Record<string, string>; body?: Buffer | string },
  timeoutMs = 15_000,
): Promise<HttpResponse> {
  try {
    return await httpCall(url, { ...opts, timeoutMs });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const body = Buffer.from(`client error: ${message}`);
    return { status: 0, headers: {}, body, text: () => body.toString(), json: <T>() => ({}) as T };
  }
}

/** True when the hub still answers a trivial authenticated-looking request with a proper 401. */
export async function hubAnswers(): Promise<boolean> {
  const res = await callWithTimeout(`${hubInfo().httpUrl}/devices/health-probe/messages/events`, { method: 'POST', body: 'x' }, 10_000);
  return res.status === 401 && typeof iotHubErrorBody(res) === 'object';
}

export function telemetryOf(deviceId: string): (e: Envelope) => boolean {
  return (e) => e.deviceId === deviceId && e.messageSource === 'Telemetry';
}

/**
 * A request with the path exactly as given (no URL normalisation: `..` and percent-encoding
 * garbage reach the server as written). Characters Node refuses in a request line are
 * percent-encoded first; a timeout or a refused socket comes back as status 0.
 */
export function rawRequest(
  opts: { method: string; path: string; headers?: Record<string, string>; body?: Buffer | string },
  timeoutMs = 15_000,
): Promise<HttpResponse> {
  const base = new URL(hubInfo().httpUrl);
  const path = opts.path.replace(/[^\u0021-\u007e]/gu, (c) => encodeURIComponent(c));
  return new Promise((resolve) => {
    const body = opts.body === undefined ? undefined : Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(opts.body);
    const headers: Record<string, string | number> = { ...opts.headers };
    if (body) headers['content-length'] = body.length;
    const done = (status: number, hdrs: Record<string, string>, buf: Buffer) =>
      resolve({ status, headers: hdrs, body: buf, text: () => buf.toString('utf8'), json: <T>() => JSON.parse(buf.toString('utf8')) as T });
    let req: ReturnType<typeof httpRequest>;
    try {
      req = httpRequest({ host: base.hostname, port: base.port, method: opts.method, path, headers, agent: rawAgent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const hdrs: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) hdrs[k] = Array.isArray(v) ? v.join(', ') : v;
          done(res.statusCode ?? 0, hdrs, Buffer.concat(chunks));
        });
        res.on('error', (err) => done(0, {}, Buffer.from(`client error: ${err.message}`)));
      });
    } catch (err) {
      // Node refused to build the request (an invalid header): not the hub's concern.
      done(-1, {}, Buffer.from(`not sendable: ${err instanceof Error ? err.message : String(err)}`));
      return;
    }
    req.setTimeout(timeoutMs, () => req.destroy(new Error('timed out')));
    req.on('error', (err) => done(0, {}, Buffer.from(`client error: ${err.message}`)));
    req.end(body);
  });
}

const rawAgent = new HttpAgent({ keepAlive: true, maxSockets: 16 });

/** Writes bytes on a fresh TCP connection and returns what the server answered (for requests Node's client cannot build). */
export function rawSocketExchange(bytes: string, timeoutMs = 5_000): Promise<string> {
  const base = new URL(hubInfo().httpUrl);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host: base.hostname, port: Number(base.port) }, () => socket.end(Buffer.from(bytes, 'latin1')));
    const finish = () => resolve(Buffer.concat(chunks).toString('latin1'));
    socket.setTimeout(timeoutMs, () => socket.destroy());
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', finish);
    socket.on('error', () => undefined);
  });
}

/**
 * Sends a request head and the first part of its body, gives the server `pauseMs` to answer
 * early, then sends the rest. A server that answers and closes before reading the body makes the
 * rest of the body hit a closed socket (EPIPE/ECONNRESET, reported in `socketError`); one that reads
 * the whole request first answers afterwards. The pause only makes the early answer observable;
 * nothing is asserted about time.
 */
export function halfSentBodyExchange(
  head: string,
  body: Buffer,
  pauseMs = 1_000,
  timeoutMs = 15_000,
): Promise<{ answer: string; socketError?: string; answeredBeforeBody: boolean }> {
  const base = new URL(hubInfo().httpUrl);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let socketError: string | undefined;
    let answeredBeforeBody = false;
    let bodySent = false;
    const socket = connect({ host: base.hostname, port: Number(base.port) }, () => {
      const split = Math.min(64 * 1024, body.length);
      socket.write(Buffer.concat([Buffer.from(head, 'latin1'), body.subarray(0, split)]));
      setTimeout(() => {
        // Not end(): a half-closed request is one Node's server gives up on.
        if (!socket.destroyed) socket.write(body.subarray(split), () => (bodySent = true));
      }, pauseMs);
    });
    socket.setTimeout(timeoutMs, () => socket.destroy());
    socket.on('data', (c: Buffer) => {
      if (!bodySent) answeredBeforeBody = true;
      chunks.push(c);
      // One answer is all we wait for (a HEAD answer ends with its headers).
      if (/\r\n\r\n/.test(Buffer.concat(chunks).toString('latin1')) && bodySent) socket.destroy();
    });
    socket.on('error', (err) => (socketError = err.message));
    socket.on('close', () => {
      if (!socketError && !bodySent) socketError = 'closed by the server before the body was sent';
      resolve({ answer: Buffer.concat(chunks).toString('latin1'), answeredBeforeBody, ...(socketError ? { socketError } : {}) });
    });
  });
}
