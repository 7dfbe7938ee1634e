/**
 * The routing dead-letter record: one SQS message per (message, endpoint) that could not be
 * delivered, or per stream record that could not be routed at all. Documented in docs/routing.md.
 */
import type { Envelope } from '../envelope';
import type { OutgoingMessage } from './outgoing';

export type DeadLetterReason =
  /** The endpoint kept failing for the whole retry budget (or was dead and the probe failed). */
  | 'EndpointUnavailable'
  /** The endpoint refused this message itself (too large, invalid): retrying cannot help. */
  | 'MessageRejected'
  /** The stream record is not a routable envelope. */
  | 'MalformedRecord';

export interface DeadLetter {
  type: 'devhub.routing.deadLetter';
  version: 1;
  /** null for a MalformedRecord. */
  endpoint: string | null;
  routes: string[];
  reason: DeadLetterReason;
  error: string;
  attempts: number;
  deadLetteredTime: string;
  deviceId: string | null;
  /** Where it came from in the built-in stream. */
  record: { eventId: string; sequenceNumber: string };
  /** FIFO de-duplication id used for the endpoint (redrive reuses it). */
  messageKey: string | null;
  /** The (enriched) envelope as the endpoint would have received it; null for a MalformedRecord. */
  envelope: Envelope | null;
  /** A MalformedRecord's raw bytes, base64. */
  rawRecord?: string;
}

export function deliveryDeadLetter(
  endpoint: string,
  failure: { message: OutgoingMessage; error: string; attempts: number },
  reason: DeadLetterReason,
  now: Date,
): DeadLetter {
  const m = failure.message;
  return {
    type: 'devhub.routing.deadLetter',
    version: 1,
    endpoint,
    routes: m.routes,
    reason,
    error: failure.error,
    attempts: failure.attempts,
    deadLetteredTime: now.toISOString(),
    deviceId: m.deviceId,
    record: m.record,
    messageKey: m.key,
    envelope: m.envelope,
  };
}

export function malformedDeadLetter(
  record: { eventId: string; sequenceNumber: string; data: Buffer },
  error: string,
  now: Date,
): DeadLetter {
  return {
    type: 'devhub.routing.deadLetter',
    version: 1,
    endpoint: null,
    routes: [],
    reason: 'MalformedRecord',
    error,
    attempts: 0,
    deadLetteredTime: now.toISOString(),
    deviceId: null,
    record: { eventId: record.eventId, sequenceNumber: record.sequenceNumber },
    messageKey: null,
    envelope: null,
    rawRecord: record.data.toString('base64'),
  };
}

export function parseDeadLetter(body: string | undefined): DeadLetter | undefined {
  if (!body) return undefined;
  try {
    const value = JSON.parse(body) as Partial<DeadLetter>;
    return value.type === 'devhub.routing.deadLetter' ? (value as DeadLetter) : undefined;
  } catch {
    return undefined;
  }
}
