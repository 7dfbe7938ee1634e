/** Cloud-to-device command records, feedback records and queue limits. Pure types. */

/** `iothub-ack`: which outcomes the sender wants to hear about. */
export type AckMode = 'none' | 'positive' | 'negative' | 'full';
export const ACK_MODES: readonly AckMode[] = ['none', 'positive', 'negative', 'full'];

/** Final outcomes of a command, as IoT Hub names them in feedback (and `C2dSettled` counts them). */
export const FEEDBACK_STATUSES = ['Success', 'Expired', 'DeliveryCountExceeded', 'Rejected', 'Purged'] as const;
export type FeedbackStatus = (typeof FEEDBACK_STATUSES)[number];

/**
 * Enqueued: visible to the next receive. Invisible: locked by one receiver until lockedUntilMs
 * (afterwards it is visible again). Settled: final outcome recorded; what is left to do
 * (release the depth slot, send feedback, delete) is the outbox, finished by whoever settled
 * it or else by the sweeper.
 */
export type CommandState = 'Enqueued' | 'Invisible' | 'Settled';

/** What the service sent: fixed for the life of the command. */
export interface CommandContent {
  messageId: string;
  correlationId?: string;
  userId?: string;
  contentType?: string;
  contentEncoding?: string;
  ack: AckMode;
  properties: Record<string, string>;
}

export interface CommandRecord extends CommandContent {
  deviceId: string;
  /** The device generation the command was sent to; a re-created device never gets it. */
  deviceGenerationId: string;
  sequenceNumber: number;
  enqueuedAtMs: number;
  expiresAtMs: number;
  state: CommandState;
  /** Times the command was locked by a receiver. */
  deliveryCount: number;
  /** Bumped by every transition: the condition of every write (optimistic concurrency). */
  version: number;
  lockToken?: string;
  lockedUntilMs?: number;
  outcome?: FeedbackStatus;
  /** Settled, and the sender asked for feedback on this outcome. */
  feedbackDue?: boolean;
  settledAtMs?: number;
  /** When the sweeper must look at this record without any device action (see sweepAt()). */
  sweepAtMs: number;
  /** Absent when read without the body (queue scans). */
  body?: Buffer;
}

/** One record on the feedback queue. */
export interface FeedbackRecord {
  originalMessageId: string;
  deviceId: string;
  statusCode: FeedbackStatus;
  description: string;
  /** When the outcome happened (IoT Hub's feedback EnqueuedTimeUtc). */
  enqueuedTimeUtc: string;
  deviceGenerationId: string;
}

export interface QueueLimits {
  maxDeliveryCount: number;
  maxQueueDepth: number;
  /** How long a settled record may wait for its own handler to finish the outbox before the sweeper does. */
  outboxGraceMs: number;
}
