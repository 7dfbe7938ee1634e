/**
 * Property test: random sequences of send / receive / complete / reject / abandon / purge /
 * sweep / time-advance, run against the command queue (over the in-memory store) and against a
 * deliberately naive model written independently of stateMachine.ts. After every step both
 * must agree on the result and on the feedback emitted, and the invariants must hold.
 */
import fc from 'fast-check';
import { CommandQueue } from './commandQueue';
import { LockLostError, QueueDepthExceededError } from './errors';
import { MemoryFeedback, MemoryStore } from './memoryStore';
import type { AckMode, FeedbackStatus } from './types';

const MAX_DELIVERY = 3;
const MAX_DEPTH = 4;
const DEVICE = { deviceId: 'dev', generationId: 'gen-1' };

type Op =
  | { op: 'send'; ttlMs: number; ack: AckMode }
  | { op: 'receive'; lockMs: number }
  | { op: 'complete' | 'reject' | 'abandon'; /** -1: the latest token */ tokenIndex: number }
  | { op: 'advance'; ms: number }
  | { op: 'purge' }
  | { op: 'sweep' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('send' as const),
      ttlMs: fc.integer({ min: 1000, max: 20_000 }),
      ack: fc.constantFrom<AckMode>('none', 'positive', 'negative', 'full'),
    }),
  },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('receive' as const), lockMs: fc.integer({ min: 500, max: 5000 }) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constantFrom('complete' as const, 'reject' as const, 'abandon' as const),
      tokenIndex: fc.oneof({ weight: 3, arbitrary: fc.constant(-1) }, { weight: 1, arbitrary: fc.nat(30) }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 6000 }) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'purge' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'sweep' as const }) },
);

interface ModelMessage {
  id: string;
  seq: number;
  expiresAt: number;
  ack: AckMode;
  deliveries: number;
  lock?: { token: string; until: number };
  outcome?: FeedbackStatus;
}

/** The naive model: a list scanned front to back, settled eagerly where the queue is lazy. */
class Model {
  readonly messages: ModelMessage[] = [];
  readonly feedback: string[] = [];

  live(): ModelMessage[] {
    return this.messages.filter((m) => !m.outcome);
  }

  finish(m: ModelMessage, outcome: FeedbackStatus, now: number): void {
    m.outcome = outcome;
    delete m.lock;
    const wanted = m.ack === 'full' || (m.ack === 'positive' && outcome === 'Success') || (m.ack === 'negative' && outcome !== 'Success');
    if (wanted) this.feedback.push(`${m.id}:${outcome}`);
    void now;
  }

  /** Dead now, without any device action? */
  deadOutcome(m: ModelMessage, now: number): FeedbackStatus | undefined {
    if (now >= m.expiresAt) return 'Expired';
    const locked = m.lock !== undefined && m.lock.until > now;
    if (!locked && m.deliveries >= MAX_DELIVERY) return 'DeliveryCountExceeded';
    return undefined;
  }

  holdsValidLock(m: ModelMessage, token: string, now: number): boolean {
    return !m.outcome && m.lock?.token === token && m.lock.until > now && now < m.expiresAt;
  }
}

async function outcomeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    if (err instanceof LockLostError) return 'lockLost';
    if (err instanceof QueueDepthExceededError) return 'full';
    throw err;
  }
}

describe('command queue against a naive model', () => {
  it('agrees on every result and every feedback record, and keeps the invariants', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 80, size: 'max' }), async (ops) => {
        let now = 1_000_000;
        const store = new MemoryStore();
        const feedback = new MemoryFeedback();
        const queue = new CommandQueue(
          store,
          feedback,
          { maxDeliveryCount: MAX_DELIVERY, maxQueueDepth: MAX_DEPTH, outboxGraceMs: 1000 },
          { now: () => now },
        );
        const model = new Model();
        const tokens: string[] = [];
        let sent = 0;
        const implFeedback = () => feedback.published.map((f) => `${f.originalMessageId}:${f.statusCode}`).sort();

        for (const op of ops) {
          switch (op.op) {
            case 'send': {
              const id = `m${++sent}`;
              const result = await outcomeOf(
                queue.send(DEVICE, { messageId: id, ack: op.ack, properties: {} }, Buffer.from(id), now + op.ttlMs),
              );
              // The model counts settled-but-unfinished records too (none exist here: finishing never fails).
              const expected = model.live().length >= MAX_DEPTH ? 'full' : 'ok';
              expect(result).toBe(expected);
              if (result === 'ok') model.messages.push({ id, seq: sent, expiresAt: now + op.ttlMs, ack: op.ack, deliveries: 0 });
              break;
            }
            case 'receive': {
              const got = await queue.receive(DEVICE, op.lockMs);
              // Model: scan in order; settle dead ones on the way; lock the first visible one.
              let expected: ModelMessage | undefined;
              for (const m of model.live()) {
                const dead = model.deadOutcome(m, now);
                if (dead) model.finish(m, dead, now);
                else if (!(m.lock && m.lock.until > now)) {
                  expected = m;
                  break;
                }
              }
              expect(got?.messageId).toBe(expected?.id);
              if (got && expected) {
                expected.deliveries++;
                expected.lock = { token: got.lockToken ?? '', until: now + op.lockMs };
                expect(got.deliveryCount).toBe(expected.deliveries);
                expect(got.body?.toString()).toBe(expected.id);
                expect(tokens).not.toContain(got.lockToken);
                tokens.push(got.lockToken ?? '');
              }
              break;
            }
            case 'complete':
            case 'reject':
            case 'abandon': {
              // Mostly the latest token (the device's usual case), sometimes an older, possibly stale one.
              const index = op.tokenIndex < 0 ? tokens.length - 1 : op.tokenIndex % Math.max(tokens.length, 1);
              const token = tokens[index] ?? '1-00000000000000000000000000000000';
              const result = await outcomeOf(queue.settleByDevice(DEVICE.deviceId, token, op.op));
              const holder = model.messages.find((m) => model.holdsValidLock(m, token, now));
              expect(result).toBe(holder ? 'ok' : 'lockLost');
              if (holder) {
                if (op.op === 'complete') model.finish(holder, 'Success', now);
                else if (op.op === 'reject') model.finish(holder, 'Rejected', now);
                else if (holder.deliveries >= MAX_DELIVERY) model.finish(holder, 'DeliveryCountExceeded', now);
                else delete holder.lock;
              }
              break;
            }
            case 'advance':
              now += op.ms;
              break;
            case 'purge': {
              const purged = await queue.purge(DEVICE.deviceId);
              let expected = 0;
              for (const m of model.live()) {
                if (now >= m.expiresAt) model.finish(m, 'Expired', now);
                else {
                  model.finish(m, 'Purged', now);
                  expected++;
                }
              }
              expect(purged).toBe(expected);
              break;
            }
            case 'sweep': {
              await queue.sweep({ maxRecords: 1000, deadlineMs: Date.now() + 60_000 });
              for (const m of model.live()) {
                const dead = model.deadOutcome(m, now);
                if (dead) model.finish(m, dead, now);
              }
              break;
            }
          }
          // Invariants after every step.
          const snap = store.snapshot(DEVICE.deviceId);
          expect(snap.pending.length).toBeLessThanOrEqual(MAX_DEPTH);
          expect(snap.pending).toEqual(model.live().map((m) => m.seq));
          expect(implFeedback()).toEqual([...model.feedback].sort());
          const validHolders = snap.records.filter((r) => r.state === 'Invisible' && (r.lockedUntilMs ?? 0) > now);
          expect(new Set(validHolders.map((r) => r.sequenceNumber)).size).toBe(validHolders.length);
        }

        // Drain: past every expiry the sweeper settles everything; nothing is lost, nothing settled twice.
        now += 60_000;
        await queue.sweep({ maxRecords: 1000, deadlineMs: Date.now() + 60_000 });
        for (const m of model.live()) model.finish(m, model.deadOutcome(m, now) ?? 'Expired', now);
        const finalSnap = store.snapshot(DEVICE.deviceId);
        expect(finalSnap.pending).toEqual([]);
        expect(finalSnap.records).toEqual([]);
        expect(implFeedback()).toEqual([...model.feedback].sort());
        const ids = feedback.published.map((f) => f.originalMessageId);
        expect(new Set(ids).size).toBe(ids.length);
      }),
      { numRuns: 300 },
    );
  });
});
