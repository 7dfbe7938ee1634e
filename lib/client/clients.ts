/** Typed clients for the service API (policy connection string) and the device API (device key). */
import type { Device } from '../registry/device';
import { parseConnectionString, tokenFromConnectionString, type ConnectionString } from '../sas';
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

export class ServiceClient extends BaseClient {
  get hostName(): string {
    return this.cs.hostName;
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
}

export interface OutgoingMessage {
  body: Buffer | string;
  properties?: Record<string, string>;
  messageId?: string;
  correlationId?: string;
  userId?: string;
  contentType?: string;
  contentEncoding?: string;
  creationTimeUtc?: string;
}

export function messageHeaders(msg: OutgoingMessage): Record<string, string> {
  const h: Record<string, string> = {};
  if (msg.messageId !== undefined) h['iothub-messageid'] = msg.messageId;
  if (msg.correlationId !== undefined) h['iothub-correlationid'] = msg.correlationId;
  if (msg.userId !== undefined) h['iothub-userid'] = msg.userId;
  if (msg.contentType !== undefined) h['iothub-contenttype'] = msg.contentType;
  if (msg.contentEncoding !== undefined) h['iothub-contentencoding'] = msg.contentEncoding;
  if (msg.creationTimeUtc !== undefined) h['iothub-creation-time-utc'] = msg.creationTimeUtc;
  for (const [k, v] of Object.entries(msg.properties ?? {})) h[`iothub-app-${k}`] = v;
  return h;
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
}
