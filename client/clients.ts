/** Typed clients for the service API (policy connection string) and the device API (device key). */
import { commandHeaders, parseReceived, type OutgoingCommand, type ReceivedCommand } from './commands';
import type { Device } from '../lib/registry/device';
import type { Endpoint, EndpointHealth, EndpointType, Enrichment, FallbackRoute, Route, RouteSource } from '../lib/routing/model';
import type { DeadLetterView, RedriveResult } from '../lib/routing/redrive';
import { headersFromProperties, type MessageProperties, type SettableField } from '../lib/messageProperties';
import { parseConnectionString, tokenFromConnectionString, type ConnectionString } from '../lib/sas';
import { describeError, httpCall, type HttpResponse } from './http';

export class ApiError extends Error {
  constructor(readonly response: HttpResponse) {
    super(describeError(response));
  }
  get status(): number {
    return this.response.status;
  }
  get code(): string | undefined {
    return this.response.headers['iothub-errorcode'];
  }
}

abstract class BaseClient {
  protected readonly cs: ConnectionString;
  private token: { value: string; expiry: number } | undefined;

  constructor(
    readonly baseUrl: string,
    connectionString: string,
    protected readonly insecure = false,
  ) {
    this.cs = parseConnectionString(connectionString);
  }

  /** A SAS token from the connection string, renewed before it expires. */
  authorization(): string {
    const now = Math.floor(Date.now() / 1000);
    if (!this.token || this.token.expiry - now < 300) {
      this.token = { value: tokenFromConnectionString(this.cs, now, 3600), expiry: now + 3600 };
    }
    return this.token.value;
  }

  async call(
    method: string,
    path: string,
    opts: { headers?: Record<string, string>; body?: Buffer | string; expect?: number[] } = {},
  ): Promise<HttpResponse> {
    const res = await httpCall(`${this.baseUrl}${path}`, {
      method,
      headers: { authorization: this.authorization(), ...opts.headers },
      ...(opts.body !== undefined ? { body: opts.body } : {}),
      insecure: this.insecure,
    });
    if (opts.expect && !opts.expect.includes(res.status)) throw new ApiError(res);
    return res;
  }
}

const API_VERSION = 'api-version=2021-04-12';

/** What `GET /auth/policy` answers (functions/serviceApi.ts); `deviceHostName` is absent from older hubs. */
export interface HubInfo {
  policy: string;
  permissions: string[];
  hubName: string;
  hostName: string;
  deviceHostName?: string;
}

export class ServiceClient extends BaseClient {
  get hostName(): string {
    return this.cs.hostName;
  }

  /**
   * `GET /auth/policy`: the calling policy, and the hosts the hub publishes: `hostName` (this API)
   * and `deviceHostName` (the device front door devices connect to; a function URL's host on a
   * deployed hub, the same host when devices use the HTTP API). Any policy may ask.
   */
  async hubInfo(): Promise<HubInfo> {
    return (await this.call('GET', '/auth/policy', { expect: [200] })).json<HubInfo>();
  }

  async createDevice(deviceId: string, body: Record<string, unknown> = {}): Promise<Device> {
    const res = await this.call('PUT', `/devices/${encodeURIComponent(deviceId)}?${API_VERSION}`, {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ deviceId, ...body }),
      expect: [200],
    });
    return res.json<Device>();
  }

  async updateDevice(device: Device, changes: Record<string, unknown>, ifMatch = device.etag): Promise<Device> {
    const res = await this.call('PUT', `/devices/${encodeURIComponent(device.deviceId)}?${API_VERSION}`, {
      headers: { 'content-type': 'application/json', 'if-match': `"${ifMatch}"` },
      body: JSON.stringify({ ...device, ...changes }),
      expect: [200],
    });
    return res.json<Device>();
  }

  async getDevice(deviceId: string): Promise<Device> {
    return (await this.call('GET', `/devices/${encodeURIComponent(deviceId)}?${API_VERSION}`, { expect: [200] })).json<Device>();
  }

  async listDevices(top = 100, continuation?: string): Promise<{ devices: Device[]; continuation?: string }> {
    const res = await this.call('GET', `/devices?top=${top}&${API_VERSION}`, {
      ...(continuation ? { headers: { 'x-ms-continuation': continuation } } : {}),
      expect: [200],
    });
    const next = res.headers['x-ms-continuation'];
    return { devices: res.json<Device[]>(), ...(next ? { continuation: next } : {}) };
  }

  async deleteDevice(deviceId: string, etag?: string): Promise<void> {
    await this.call('DELETE', `/devices/${encodeURIComponent(deviceId)}?${API_VERSION}`, {
      ...(etag ? { headers: { 'if-match': `"${etag}"` } } : {}),
      expect: [204],
    });
  }

  /** Cloud-to-device send; raw response (202, 400, 403, 404, 413...). */
  sendCommandRaw(deviceId: string, cmd: OutgoingCommand): Promise<HttpResponse> {
    return this.call('POST', `/devices/${encodeURIComponent(deviceId)}/messages/devicebound?${API_VERSION}`, {
      headers: commandHeaders(cmd),
      body: cmd.body,
    });
  }

  async sendCommand(deviceId: string, cmd: OutgoingCommand): Promise<{ messageId: string; sequenceNumber: number }> {
    const res = await this.sendCommandRaw(deviceId, cmd);
    if (res.status !== 202) throw new ApiError(res);
    return res.json<{ messageId: string; sequenceNumber: number }>();
  }

  async purgeCommands(deviceId: string): Promise<{ deviceId: string; totalMessagesPurged: number }> {
    const res = await this.call('DELETE', `/devices/${encodeURIComponent(deviceId)}/commands?${API_VERSION}`, { expect: [200] });
    return res.json<{ deviceId: string; totalMessagesPurged: number }>();
  }
}

/** The routing API (endpoints, routes, fallback, enrichments, health, route tests, dead letters). */
export class RoutingClient extends BaseClient {
  private async send<T>(method: string, path: string, body?: unknown, expect: number[] = [200]): Promise<T> {
    const res = await this.call(method, path, {
      ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
      expect,
    });
    return (res.status === 204 ? undefined : res.json<T>()) as T;
  }

  private static seg(s: string): string {
    return encodeURIComponent(s);
  }

  putEndpoint(name: string, input: { type: EndpointType; target: string }): Promise<Endpoint> {
    return this.send('PUT', `/endpoints/${RoutingClient.seg(name)}`, input, [200, 201]);
  }
  listEndpoints(): Promise<Endpoint[]> {
    return this.send('GET', '/endpoints');
  }
  getEndpoint(name: string): Promise<Endpoint> {
    return this.send('GET', `/endpoints/${RoutingClient.seg(name)}`);
  }
  deleteEndpoint(name: string): Promise<void> {
    return this.send('DELETE', `/endpoints/${RoutingClient.seg(name)}`, undefined, [204]);
  }
  endpointHealth(name: string): Promise<EndpointHealth> {
    return this.send('GET', `/endpoints/${RoutingClient.seg(name)}/health`);
  }
  allEndpointHealth(): Promise<EndpointHealth[]> {
    return this.send('GET', '/routing/health');
  }

  putRoute(name: string, input: { source: RouteSource; condition: string; endpoint: string; enabled?: boolean }): Promise<Route> {
    return this.send('PUT', `/routes/${RoutingClient.seg(name)}`, input, [200, 201]);
  }
  listRoutes(): Promise<Route[]> {
    return this.send('GET', '/routes');
  }
  getRoute(name: string): Promise<Route> {
    return this.send('GET', `/routes/${RoutingClient.seg(name)}`);
  }
  deleteRoute(name: string): Promise<void> {
    return this.send('DELETE', `/routes/${RoutingClient.seg(name)}`, undefined, [204]);
  }
  async setRouteEnabled(name: string, enabled: boolean): Promise<Route> {
    const { source, condition, endpoint } = await this.getRoute(name);
    return this.putRoute(name, { source, condition, endpoint, enabled });
  }
  /** 200 {"result": boolean}; a bad condition is an ApiError with status 400 (see conditionPosition). */
  testRoute(input: {
    condition?: string;
    route?: string;
    message: unknown;
    twinTags?: Record<string, unknown>;
  }): Promise<{ result: boolean }> {
    return this.send('POST', '/routes/test', input);
  }

  setFallback(endpoint: string, enabled = true): Promise<FallbackRoute> {
    return this.send('PUT', '/routing/fallback', { endpoint, enabled });
  }
  getFallback(): Promise<FallbackRoute> {
    return this.send('GET', '/routing/fallback');
  }
  deleteFallback(): Promise<void> {
    return this.send('DELETE', '/routing/fallback', undefined, [204]);
  }

  putEnrichment(endpoint: string, key: string, value: string): Promise<Enrichment> {
    return this.send('PUT', `/endpoints/${RoutingClient.seg(endpoint)}/enrichments/${RoutingClient.seg(key)}`, { value });
  }
  listEnrichments(endpoint?: string): Promise<Enrichment[]> {
    return this.send('GET', `/enrichments${endpoint === undefined ? '' : `?endpoint=${RoutingClient.seg(endpoint)}`}`);
  }
  deleteEnrichment(endpoint: string, key: string): Promise<void> {
    return this.send('DELETE', `/endpoints/${RoutingClient.seg(endpoint)}/enrichments/${RoutingClient.seg(key)}`, undefined, [204]);
  }

  listDeadLetters(top = 100, endpoint?: string): Promise<DeadLetterView[]> {
    return this.send('GET', `/routing/deadletters?top=${top}${endpoint === undefined ? '' : `&endpoint=${RoutingClient.seg(endpoint)}`}`);
  }
  /** Redrives until the queue has nothing more for the filter (each API call is time-bounded). */
  async redrive(endpoint?: string): Promise<Omit<RedriveResult, 'remaining'>> {
    const total = { redriven: 0, failed: 0, skipped: 0 };
    for (;;) {
      const r = await this.send<RedriveResult>('POST', '/routing/deadletters/redrive', endpoint === undefined ? {} : { endpoint });
      total.redriven += r.redriven;
      total.failed += r.failed;
      total.skipped = r.skipped;
      if (!r.remaining) return total;
    }
  }
}

/** The error position a 400 on a route condition carries (header x-devhub-condition-position). */
export function conditionPosition(err: ApiError): number | undefined {
  const raw = err.response.headers['x-devhub-condition-position'];
  return raw === undefined ? undefined : Number(raw);
}

/** A device message to send: a body, and the properties a device may set (lib/messageProperties.ts). */
export type OutgoingMessage = Pick<MessageProperties, SettableField> & {
  body: Buffer | string;
  properties?: Record<string, string>;
};

export function messageHeaders(msg: OutgoingMessage): Record<string, string> {
  return headersFromProperties(msg);
}

export class DeviceClient extends BaseClient {
  get deviceId(): string {
    if (!this.cs.deviceId) throw new Error('not a device connection string');
    return this.cs.deviceId;
  }

  private path(suffix: string): string {
    return `/devices/${encodeURIComponent(this.deviceId)}${suffix}`;
  }

  /** Sends one message as IoT Hub's HTTPS transport does; raw response for status checks. */
  async sendRaw(msg: OutgoingMessage): Promise<HttpResponse> {
    return this.call('POST', this.path(`/messages/events?${API_VERSION}`), {
      headers: { 'content-type': 'application/octet-stream', 'iothub-to': this.path('/messages/events'), ...messageHeaders(msg) },
      body: msg.body,
    });
  }

  async send(msg: OutgoingMessage): Promise<void> {
    const res = await this.sendRaw(msg);
    if (res.status !== 204) throw new ApiError(res);
  }

  async sendBatch(messages: OutgoingMessage[]): Promise<HttpResponse> {
    const batch = messages.map((m) => {
      const properties: Record<string, string> = messageHeaders({ ...m, body: '' });
      return { body: Buffer.from(m.body).toString('base64'), base64Encoded: true, properties };
    });
    return this.call('POST', this.path(`/messages/events?${API_VERSION}`), {
      headers: { 'content-type': 'application/vnd.microsoft.iothub.json' },
      body: JSON.stringify(batch),
    });
  }

  /** GET .../messages/devicebound as IoT Hub device SDKs send it; raw response (200 or 204). */
  receiveRaw(opts: { lockTimeoutSeconds?: number } = {}): Promise<HttpResponse> {
    return this.call('GET', this.path(`/messages/devicebound?${API_VERSION}`), {
      headers: opts.lockTimeoutSeconds === undefined ? {} : { 'iothub-messagelocktimeout': String(opts.lockTimeoutSeconds) },
    });
  }

  /** The next command, locked for this device, or undefined when none is visible. */
  async receive(opts: { lockTimeoutSeconds?: number } = {}): Promise<ReceivedCommand | undefined> {
    const res = await this.receiveRaw(opts);
    if (res.status === 204) return undefined;
    if (res.status !== 200) throw new ApiError(res);
    return parseReceived(res);
  }

  /** complete (DELETE), reject (DELETE ?reject) or abandon (POST .../abandon); raw response (204 or 412). */
  settleRaw(action: 'complete' | 'reject' | 'abandon', lockToken: string): Promise<HttpResponse> {
    const base = this.path(`/messages/devicebound/${encodeURIComponent(lockToken)}`);
    if (action === 'abandon') return this.call('POST', `${base}/abandon?${API_VERSION}`);
    return this.call('DELETE', `${base}?${action === 'reject' ? 'reject&' : ''}${API_VERSION}`);
  }

  async complete(lockToken: string): Promise<void> {
    await this.settleOrThrow('complete', lockToken);
  }
  async reject(lockToken: string): Promise<void> {
    await this.settleOrThrow('reject', lockToken);
  }
  async abandon(lockToken: string): Promise<void> {
    await this.settleOrThrow('abandon', lockToken);
  }

  private async settleOrThrow(action: 'complete' | 'reject' | 'abandon', lockToken: string): Promise<void> {
    const res = await this.settleRaw(action, lockToken);
    if (res.status !== 204) throw new ApiError(res);
  }
}
