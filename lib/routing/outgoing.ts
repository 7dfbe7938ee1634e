/**
 * What one endpoint receives for one message: the envelope JSON exactly as on the built-in
 * stream (plus enrichment properties), a stable key for FIFO de-duplication, and, for SQS,
 * the system properties as message attributes. Pure.
 */
import { createHash } from 'node:crypto';
import type { Envelope } from '../envelope';

export interface OutgoingMessage {
  /** Stable per (stream record, endpoint): the FIFO de-duplication id, and the dead letter's key. */
  key: string;
  /** The stream record it came from (sequence number, and shardId:sequenceNumber). */
  record: { sequenceNumber: string; eventId: string };
  deviceId: string;
  /** Names of the routes that matched (for the dead-letter record). */
  routes: string[];
  /** The (enriched) envelope, JSON. */
  body: string;
  envelope: Envelope;
}

/** FIFO de-duplication ids allow 128 characters: a hash of the record and endpoint fits. */
export function messageKey(recordId: string, endpoint: string): string {
  return createHash('sha256').update(recordId).update('\u0000').update(endpoint).digest('hex');
}

export function outgoing(
  record: { sequenceNumber: string; eventId: string },
  endpoint: string,
  routes: string[],
  envelope: Envelope,
): OutgoingMessage {
  return {
    key: messageKey(record.eventId, endpoint),
    record,
    deviceId: envelope.deviceId,
    routes,
    body: JSON.stringify(envelope),
    envelope,
  };
}

/**
 * SQS allows 10 message attributes: these system properties, in this order, when present
 * and non-empty. The full set is always in the body.
 */
export const SQS_ATTRIBUTE_PROPERTIES = [
  'iothub-connection-device-id',
  'iothub-message-source',
  'iothub-enqueuedtime',
  'message-id',
  'correlation-id',
  'content-type',
  'content-encoding',
  'iothub-connection-module-id',
  'user-id',
  'iothub-creation-time-utc',
] as const;

export function sqsAttributes(envelope: Envelope): Record<string, { DataType: 'String'; StringValue: string }> {
  const out: Record<string, { DataType: 'String'; StringValue: string }> = {};
  const sp = envelope.systemProperties as unknown as Record<string, unknown>;
  for (const name of SQS_ATTRIBUTE_PROPERTIES) {
    const value = sp[name];
    if (typeof value === 'string' && value !== '') out[name] = { DataType: 'String', StringValue: value };
  }
  return out;
}

export function byteSize(m: OutgoingMessage): number {
  return Buffer.byteLength(m.body) + 512; // attributes and ids
}
