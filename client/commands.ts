/** The client side of the cloud-to-device HTTP contract (used by client/clients.ts, the CLI, tests, benchmarks). */
import type { HttpResponse } from './http';
import {
  headersFromProperties,
  propertiesFromHeaders,
  unquoteLockToken,
  type MessageProperties,
  type SettableField,
} from '../lib/messageProperties';
import type { AckMode } from '../lib/c2d/types';

/** A command to send: a body, the properties a sender may set (lib/messageProperties.ts), ack and expiry. */
export type OutgoingCommand = Pick<MessageProperties, SettableField> & {
  body: Buffer | string;
  ack?: AckMode;
  /** Absolute expiry (iothub-expiry) ... */
  expiry?: Date;
  /** ... or a time to live in seconds (iothub-ttl). */
  ttlSeconds?: number;
  properties?: Record<string, string>;
};

export function commandHeaders(cmd: OutgoingCommand): Record<string, string> {
  return {
    'content-type': 'application/octet-stream',
    ...headersFromProperties({ ...cmd, expiry: cmd.expiry?.toISOString(), ttl: cmd.ttlSeconds?.toString() }),
  };
}

/** A command as a device receives it over HTTPS: its properties (lib/messageProperties.ts), lock token and body. */
export type ReceivedCommand = Omit<MessageProperties, 'messageId' | 'sequenceNumber' | 'deliveryCount'> & {
  lockToken: string;
  body: Buffer;
  messageId: string;
  sequenceNumber: number;
  deliveryCount: number;
  /** Every response header, for callers that check the wire format. */
  headers: Record<string, string>;
};

export function parseReceived(res: HttpResponse): ReceivedCommand {
  const { messageId, sequenceNumber, deliveryCount, properties, ...optional } = propertiesFromHeaders(res.headers);
  return {
    ...optional,
    lockToken: unquoteLockToken(res.headers.etag ?? ''),
    body: res.body,
    messageId: messageId ?? '',
    sequenceNumber: Number(sequenceNumber),
    deliveryCount: Number(deliveryCount),
    properties,
    headers: res.headers,
  };
}
