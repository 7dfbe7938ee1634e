/** Redrive and dead-letter listing with a fake queue (no I/O): what is deleted, released and skipped. */
import type { DeadLetter } from './deadLetter';
import type { DeliveryResult } from './delivery';
import type { OutgoingMessage } from './outgoing';
import { LIST_SCAN_LIMIT, listDeadLetters, redrive, type DeadLetterSource, type ReceivedDeadLetter } from './redrive';
import { endpoint, envelope } from './testkit';

function letter(n: number, endpointName: string | null): ReceivedDeadLetter {
  const deadLetter: DeadLetter = {
    type: 'devhub.routing.deadLetter',
    version: 1,
    endpoint: endpointName,
    routes: ['r'],
    reason: endpointName === null ? 'MalformedRecord' : 'EndpointUnavailable',
    error: 'x',
    attempts: 3,
    deadLetteredTime: '2026-01-01T00:00:00.000Z',
    deviceId: 'dev1',
    record: { eventId: `e${n}`, sequenceNumber: `${n}` },
    messageKey: `k${n}`,
    envelope: endpointName === null ? null : envelope(),
  };
  return { receiptHandle: `h${n}`, messageId: `m${n}`, deadLetter };
}

/** A queue holding `letters`; each receive hands out what is visible (all of it, once). */
function fakeQueue(letters: ReceivedDeadLetter[]) {
  const deleted: string[] = [];
  const released: string[] = [];
  let handedOut = false;
  const queue: DeadLetterSource = {
    receive: async () => {
      if (handedOut) return [];
      handedOut = true;
      return letters;
    },
    delete: async (h) => void deleted.push(...h),
    release: async (h) => void released.push(...h),
  };
  return { queue, deleted, released };
}

const delivering =
  (failKeys: string[] = []) =>
  async (_e: unknown, messages: readonly OutgoingMessage[]): Promise<DeliveryResult> => {
    const failed = messages
      .filter((m) => failKeys.includes(m.key))
      .map((message) => ({ message, error: 'down', attempts: 1, permanent: false }));
    return { delivered: messages.length - failed.length, failed, retried: false };
  };

describe('redrive', () => {
  const opts = { max: 100, deadlineMs: Number.MAX_SAFE_INTEGER };

  it('deletes what was delivered, releases what failed, skips malformed and deleted-endpoint records', async () => {
    const { queue, deleted, released } = fakeQueue([letter(1, 'q'), letter(2, 'q'), letter(3, null), letter(4, 'gone')]);
    const result = await redrive({ queue, endpoints: async () => [endpoint('q')], deliverTo: delivering(['k2']) }, opts);
    expect(result).toEqual({ redriven: 1, failed: 1, skipped: 2, remaining: false });
    expect(deleted).toEqual(['h1']);
    expect(released.sort()).toEqual(['h2', 'h3', 'h4']);
  });

  it('leaves other endpoints alone when one endpoint is asked for', async () => {
    const { queue, deleted, released } = fakeQueue([letter(1, 'q'), letter(2, 'other')]);
    const result = await redrive(
      { queue, endpoints: async () => [endpoint('q'), endpoint('other')], deliverTo: delivering() },
      { ...opts, endpoint: 'q' },
    );
    expect(result).toMatchObject({ redriven: 1, skipped: 1 });
    expect(deleted).toEqual(['h1']);
    expect(released).toEqual(['h2']);
  });

  it('stops at the deadline and says that records remain', async () => {
    const { queue } = fakeQueue([letter(1, 'q')]);
    const result = await redrive(
      { queue, endpoints: async () => [endpoint('q')], deliverTo: delivering(), nowMs: () => 2 },
      { max: 100, deadlineMs: 1 },
    );
    expect(result).toEqual({ redriven: 0, failed: 0, skipped: 0, remaining: true });
  });

  it('releases everything it took when delivery throws', async () => {
    const { queue, released } = fakeQueue([letter(1, 'q'), letter(2, null)]);
    const boom = async (): Promise<DeliveryResult> => {
      throw new Error('bug');
    };
    await expect(redrive({ queue, endpoints: async () => [endpoint('q')], deliverTo: boom }, opts)).rejects.toThrow('bug');
    expect(released).toEqual(['h2']);
  });
});

describe('listDeadLetters', () => {
  it('lists up to top records of the endpoint asked for and makes every taken record visible again', async () => {
    const { queue, released } = fakeQueue([letter(1, 'q'), letter(2, 'other'), letter(3, 'q')]);
    const list = await listDeadLetters(queue, 1, 'q');
    expect(list.map((l) => l.id)).toEqual(['m1']);
    expect(released).toEqual(['h1', 'h2', 'h3']);
  });

  it("looks past other endpoints' letters: a queue full of malformed records does not hide an endpoint's", async () => {
    // Ten letters a receive, as SQS hands them out: 250 malformed records, then the one asked for.
    const letters = [...Array.from({ length: 250 }, (_, i) => letter(i, null)), letter(999, 'q')];
    const released: string[] = [];
    let next = 0;
    const queue: DeadLetterSource = {
      receive: async () => letters.slice(next, (next += 10)),
      delete: async () => undefined,
      release: async (h) => void released.push(...h),
    };
    const list = await listDeadLetters(queue, 100, 'q');
    expect(list.map((l) => l.id)).toEqual(['m999']);
    expect(released).toHaveLength(251);
  });

  it('stops at the scan limit on a queue that never runs dry', async () => {
    let n = 0;
    const queue: DeadLetterSource = {
      receive: async () => Array.from({ length: 10 }, () => letter(n++, null)),
      delete: async () => undefined,
      release: async () => undefined,
    };
    await expect(listDeadLetters(queue, 100, 'q')).resolves.toEqual([]);
    expect(n).toBe(LIST_SCAN_LIMIT);
  });

  it('releases what it took even when a receive fails', async () => {
    let calls = 0;
    const released: string[] = [];
    const queue: DeadLetterSource = {
      receive: async () => {
        if (calls++ === 0) return [letter(1, 'q')];
        throw new Error('sqs down');
      },
      delete: async () => undefined,
      release: async (h) => void released.push(...h),
    };
    await expect(listDeadLetters(queue, 10)).rejects.toThrow('sqs down');
    expect(released).toEqual(['h1']);
  });
});
