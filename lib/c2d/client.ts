/** The client side of the cloud-to-device HTTP contract (used by lib/client/clients.ts, the CLI, tests, benchmarks). */
import type { HttpResponse } from '../client/http';
import type { AckMode } from './types';

export interface OutgoingCommand {
  body: Buffer | string;
  messageId?: string;
  correlationId?: string;
  userId?: string;
  contentType?: string;
  contentEncoding?: string;
  ack?: AckMode;
  /** Absolute expiry (iothub-expiry) ... */
  expiry?: Date;
  /** ... or a time to live in seconds (iothub-ttl). */
  ttlSeconds?: number;
  properties?: Record<string, string>;
}

export function commandHeaders(cmd: OutgoingCommand): Record<string, string> {
  const h: Record<string, string> = { 'content-type': 'application/octet-stream' };
  if (cmd.messageId !== undefined) h['iothub-messageid'] = cmd.messageId;
  if (cmd.correlationId !== undefined) h['iothub-correlationid'] = cmd.correlationId;
  if (cmd.userId !== undefined) h['iothub-userid'] = cmd.userId;
  if (cmd.contentType !== undefined) h['iothub-contenttype'] = cmd.contentType;
  if (cmd.contentEncoding !== undefined) h['iothub-contentencoding'] = cmd.contentEncoding;
  if (cmd.ack !== undefined) h['iothub-ack'] = cmd.ack;
  if (cmd.expiry !== undefined) h['iothub-expiry'] = cmd.expiry.toISOString();
  if (cmd.ttlSeconds !== undefined) h['iothub-ttl'] = String(cmd.ttlSeconds);
  for (const [k, v] of Object.entries(cmd.properties ?? {})) h[`iothub-app-${k}`] = v;
  return h;
}

/** A command as a device receives it over HTTPS. */
export interface ReceivedCommand {
  lockToken: string;
  body: Buffer;
  messageId: string;
  sequenceNumber: number;
  deliveryCount: number;
  correlationId?: string;
  userId?: string;
  ack?: string;
  expiry?: string;
  enqueuedTime?: string;
  to?: string;
  contentType?: string;
  contentEncoding?: string;
  properties: Record<string, string>;
  /** Every response header, for callers that check the wire format. */
  headers: Record<string, string>;
}

export function parseReceived(res: HttpResponse): ReceivedCommand {
  const h = res.headers;
  const properties: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (k.startsWith('iothub-app-')) properties[k.slice('iothub-app-'.length)] = v;
  const optional = (name: string, header: string) => (h[header] !== undefined ? { [name]: h[header] } : {});
  return {
    lockToken: (h.etag ?? '').replace(/^"|"$/g, ''),
    body: res.body,
    messageId: h['iothub-messageid'] ?? '',
    sequenceNumber: Number(h['iothub-sequencenumber']),
    deliveryCount: Number(h['iothub-deliverycount']),
    ...optional('correlationId', 'iothub-correlationid'),
    ...optional('userId', 'iothub-userid'),
    ...optional('ack', 'iothub-ack'),
    ...optional('expiry', 'iothub-expiry'),
    ...optional('enqueuedTime', 'iothub-enqueuedtime'),
    ...optional('to', 'iothub-to'),
    ...optional('contentType', 'iothub-contenttype'),
    ...optional('contentEncoding', 'iothub-contentencoding'),
    properties,
    headers: h,
  };
}
