/**
 * Dead-letter listing and redrive. Redrive takes records from the dead-letter queue, sends
 * each to its endpoint again (same envelope, same FIFO de-duplication id), deletes the ones
 * delivered and releases the rest at once. Bounded by a deadline so an API call stays short;
 * callers repeat while `remaining` is true.
 */
import { metrics } from '../metrics';
import type { DeadLetter } from './deadLetter';
import type { DeliveryResult } from './delivery';
import type { Endpoint } from './model';
import type { OutgoingMessage } from './outgoing';

export interface ReceivedDeadLetter {
  receiptHandle: string;
  messageId: string;
  deadLetter: DeadLetter;
}

/** Port: the routing dead-letter queue as redrive uses it (lib/adapters/aws/routing/deadLetterQueue.ts). */
export interface DeadLetterSource {
  /** Takes up to a batch of records, invisible to others for `visibilitySeconds`. */
  receive(visibilitySeconds: number): Promise<ReceivedDeadLetter[]>;
  /** Deletes taken records (redriven). */
  delete(receiptHandles: readonly string[]): Promise<void>;
  /** Makes taken records visible again at once. */
  release(receiptHandles: readonly string[]): Promise<void>;
}

export interface DeadLetterView extends DeadLetter {
  /** The SQS message id of the dead-letter record. */
  id: string;
}

export interface RedriveResult {
  redriven: number;
  failed: number;
  /** Records left alone: another endpoint, a deleted endpoint, or a malformed record. */
  skipped: number;
  /** True when the deadline or the limit stopped the redrive before the queue was exhausted. */
  remaining: boolean;
}

export interface RedriveDeps {
  queue: DeadLetterSource;
  endpoints: () => Promise<Endpoint[]>;
  deliverTo: (endpoint: Endpoint, messages: readonly OutgoingMessage[]) => Promise<DeliveryResult>;
  nowMs?: () => number;
}

/** Reads up to `top` records and makes them visible again. */
/**
 * At most this many dead letters are looked at for one listing: a filter by endpoint must look
 * past other endpoints' letters (a queue full of malformed records must not hide them), but a
 * listing holds every letter it received invisible until it releases them.
 */
export const LIST_SCAN_LIMIT = 5000;

export async function listDeadLetters(queue: DeadLetterSource, top: number, endpoint?: string): Promise<DeadLetterView[]> {
  const seen = new Map<string, ReceivedDeadLetter>();
  const handles: string[] = [];
  const matches = (r: ReceivedDeadLetter) => endpoint === undefined || r.deadLetter.endpoint === endpoint;
  let matched = 0;
  try {
    for (let empty = 0; matched < top && empty < 2 && seen.size < LIST_SCAN_LIMIT;) {
      const batch = await queue.receive(30);
      if (batch.length === 0) empty++;
      for (const r of batch) {
        handles.push(r.receiptHandle);
        if (seen.has(r.messageId)) continue;
        seen.set(r.messageId, r);
        if (matches(r)) matched++;
      }
    }
  } finally {
    await queue.release(handles);
  }
  return [...seen.values()]
    .filter(matches)
    .slice(0, top)
    .map((r) => ({ id: r.messageId, ...r.deadLetter }));
}

export async function redrive(deps: RedriveDeps, opts: { endpoint?: string; max: number; deadlineMs: number }): Promise<RedriveResult> {
  const nowMs = deps.nowMs ?? Date.now;
  const endpoints = new Map((await deps.endpoints()).map((e) => [e.name, e]));
  const result: RedriveResult = { redriven: 0, failed: 0, skipped: 0, remaining: false };
  const release: string[] = [];
  const seen = new Set<string>();
  try {
    for (;;) {
      if (nowMs() > opts.deadlineMs || result.redriven + result.failed >= opts.max) {
        result.remaining = true;
        break;
      }
      const batch = (await deps.queue.receive(60)).filter((r) => !seen.has(r.messageId));
      if (batch.length === 0) break;
      const byEndpoint = new Map<string, ReceivedDeadLetter[]>();
      for (const r of batch) {
        seen.add(r.messageId);
        const letter = r.deadLetter;
        const endpoint = letter.endpoint === null ? undefined : endpoints.get(letter.endpoint);
        if (!endpoint || !letter.envelope || (opts.endpoint !== undefined && letter.endpoint !== opts.endpoint)) {
          result.skipped++;
          release.push(r.receiptHandle);
          continue;
        }
        const list = byEndpoint.get(endpoint.name) ?? [];
        list.push(r);
        byEndpoint.set(endpoint.name, list);
      }
      for (const [name, records] of byEndpoint) {
        const endpoint = endpoints.get(name) as Endpoint;
        const messages = records.map(toOutgoing);
        const out = await deps.deliverTo(endpoint, messages);
        const failedKeys = new Set(out.failed.map((f) => f.message.key));
        const done = records.filter((_, i) => !failedKeys.has((messages[i] as OutgoingMessage).key));
        await deps.queue.delete(done.map((r) => r.receiptHandle));
        result.redriven += done.length;
        metrics.add('Redriven', done.length);
        const failed = records.filter((_, i) => failedKeys.has((messages[i] as OutgoingMessage).key));
        result.failed += failed.length;
        release.push(...failed.map((r) => r.receiptHandle));
      }
    }
  } finally {
    await deps.queue.release(release);
  }
  return result;
}

function toOutgoing(r: ReceivedDeadLetter): OutgoingMessage {
  const letter = r.deadLetter;
  const envelope = letter.envelope as NonNullable<DeadLetter['envelope']>;
  return {
    // A record without a key (written by hand) still gets a stable one.
    key: letter.messageKey ?? r.messageId.replace(/[^A-Za-z0-9_-]/g, ''),
    record: letter.record,
    deviceId: envelope.deviceId,
    routes: letter.routes,
    body: JSON.stringify(envelope),
    envelope,
  };
}
