/**
 * Delivering a list of messages to one endpoint: service-sized calls, in order, each
 * retried with exponential backoff for the entries that failed (and only those). Pure: the
 * call itself and the sleep are injected.
 */
import type { OutgoingMessage } from './outgoing';

export interface EntryFailure {
  error: string;
  /** The endpoint refused this entry itself (too large, invalid): retrying cannot help. */
  permanent: boolean;
}

/** One service call: returns the failed entries by index into `batch` (empty: all stored). */
export type SendBatch = (batch: OutgoingMessage[]) => Promise<Map<number, EntryFailure>>;

export interface DeliveryOptions {
  maxAttempts: number;
  baseDelayMs: number;
  sleep: (ms: number) => Promise<void>;
  split: (messages: readonly OutgoingMessage[]) => OutgoingMessage[][];
  random?: () => number;
  /**
   * True for a call error caused by the content of an entry (too large, invalid), not by the
   * endpoint: the batch is then resent one entry per call, so only the poison entries fail
   * (permanently, dead-lettered at once) and the endpoint's health is not charged for them.
   */
  isPoison?: (err: unknown) => boolean;
}

export interface DeliveryResult {
  delivered: number;
  failed: { message: OutgoingMessage; error: string; attempts: number; permanent: boolean }[];
  retried: boolean;
  lastError?: string;
}

/**
 * Each batch is finished (retries included) before the next is sent, so a device's messages
 * stay in order unless entries fail inside one call. Once a batch exhausts the retry budget,
 * the remaining batches get one attempt each: the endpoint is failing, and a dead-letter is
 * better than holding up the shard.
 */
export async function deliver(messages: readonly OutgoingMessage[], send: SendBatch, opts: DeliveryOptions): Promise<DeliveryResult> {
  const result: DeliveryResult = { delivered: 0, failed: [], retried: false };
  const random = opts.random ?? Math.random;
  let budget = opts.maxAttempts;
  for (const batch of opts.split(messages)) {
    let pending = batch;
    for (let attempt = 1; pending.length > 0; attempt++) {
      let failures: Map<number, EntryFailure>;
      try {
        failures = await send(pending);
      } catch (err) {
        if (opts.isPoison?.(err)) failures = await oneByOne(pending, send, err, opts.isPoison);
        else {
          // The whole call failed: nothing is known to be stored, so every entry is retried.
          const error = describe(err);
          failures = new Map(pending.map((_, i) => [i, { error, permanent: false }]));
        }
      }
      const retry: OutgoingMessage[] = [];
      let exhausted = false;
      pending.forEach((message, i) => {
        const failure = failures.get(i);
        if (!failure) {
          result.delivered++;
          return;
        }
        result.lastError = failure.error;
        if (failure.permanent || attempt >= budget)
          result.failed.push({ message, error: failure.error, attempts: attempt, permanent: failure.permanent });
        else retry.push(message);
        if (!failure.permanent && attempt >= budget) exhausted = true;
      });
      if (exhausted) budget = 1;
      pending = retry;
      if (pending.length > 0) {
        result.retried = true;
        await opts.sleep(opts.baseDelayMs * 2 ** (attempt - 1) * (0.5 + random()));
      }
    }
  }
  return result;
}

/** A batch refused for an entry's content: each entry alone, so the poison is found. */
async function oneByOne(
  batch: readonly OutgoingMessage[],
  send: SendBatch,
  batchError: unknown,
  isPoison: (err: unknown) => boolean,
): Promise<Map<number, EntryFailure>> {
  const failures = new Map<number, EntryFailure>();
  if (batch.length === 1) {
    failures.set(0, { error: describe(batchError), permanent: true });
    return failures;
  }
  for (const [i, message] of batch.entries()) {
    try {
      const failure = (await send([message])).get(0);
      if (failure) failures.set(i, failure);
    } catch (err) {
      failures.set(i, { error: describe(err), permanent: isPoison(err) });
    }
  }
  return failures;
}

export function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`.slice(0, 500);
  return String(err).slice(0, 500);
}
