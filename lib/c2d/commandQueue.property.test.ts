/**
 * Property test: random sequences of send / receive / complete / reject / abandon / purge /
 * sweep / time-advance, run against the command queue (over the in-memory store) and against a
 * deliberately naive model written independently of stateMachine.ts. After every step both
 * must agree on the result and on the feedback emitted, and the invariants must hold.
 *
 * A device settle may "crash" after its store write: a final outcome without feedback is a
 * delete then a release, and the release fails. The model then keeps the number as a vanished
 * slot: it holds depth until a receive scans past it (or a purge), exactly as store.ts says.
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
  | { op: 'complete' | 'reject' | 'abandon'; /** -1: the latest token */ tokenIndex: number; crashBeforeRelease: boolean }
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
      crashBeforeRelease: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
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
  /** Depth slots whose command is gone but whose release died with its writer. */
  vanished = new Set<number>();

  live(): ModelMessage[] {
    return this.messages.filter((m) => !m.outcome);
  }

  /** The pending set: live commands plus vanished slots. */
  pending(): number[] {
    return [...this.live().map((m) => m.seq), ...this.vanished].sort((a, b) => a - b);
  }

  /** Finishes `m`; true iff someone is told (feedback). */
  finish(m: ModelMessage, outcome: FeedbackStatus, now: number): boolean {
    m.outcome = outcome;
    delete m.lock;
    const wanted = m.ack === 'full' || (m.ack === 'positive' && outcome === 'Success') || (m.ack === 'negative' && outcome !== 'Success');
    if (wanted) this.feedback.push(`${m.id}:${outcome}`);
    void now;
    return wanted;
  }

  /** A device settled `m` with `outcome`; a crash after the store write leaves the slot without feedback to send. */
  finishByDevice(m: ModelMessage, outcome: FeedbackStatus, now: number, crashBeforeRelease: boolean): void {
    if (!this.finish(m, outcome, now) && crashBeforeRelease) this.vanished.add(m.seq);
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

/** Fails a release of numbers whose records are already gone (the release after a direct delete) while `crash` is set. */
class CrashingStore extends MemoryStore {
  crash = false;

  override async release(deviceId: string, sequenceNumbers: readonly number[]): Promise<void> {
    const records = new Set(this.snapshot(deviceId).records.map((r) => r.sequenceNumber));
    if (this.crash && sequenceNumbers.every((s) => !records.has(s))) throw new Error('injected: process died before releasing');
    return super.release(deviceId, sequenceNumbers);
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
        const store = new CrashingStore();
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
              const expected = model.pending().length >= MAX_DEPTH ? 'full' : 'ok';
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
              // The receive released every vanished slot it scanned past: all of them, or those before the one it locked.
              const lockedSeq = expected?.seq;
              model.vanished = new Set([...model.vanished].filter((s) => lockedSeq !== undefined && s > lockedSeq));
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
              store.crash = op.crashBeforeRelease;
              const result = await outcomeOf(queue.settleByDevice(DEVICE.deviceId, token, op.op)).finally(() => (store.crash = false));
              const holder = model.messages.find((m) => model.holdsValidLock(m, token, now));
              expect(result).toBe(holder ? 'ok' : 'lockLost');
              if (holder) {
                const crash = op.crashBeforeRelease;
                if (op.op === 'complete') model.finishByDevice(holder, 'Success', now, crash);
                else if (op.op === 'reject') model.finishByDevice(holder, 'Rejected', now, crash);
                else if (holder.deliveries >= MAX_DELIVERY) model.finishByDevice(holder, 'DeliveryCountExceeded', now, crash);
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
              model.vanished.clear();
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
          expect(snap.pending).toEqual(model.pending());
          expect(snap.records.filter((r) => model.vanished.has(r.sequenceNumber))).toEqual([]);
          expect(implFeedback()).toEqual([...model.feedback].sort());
          const validHolders = snap.records.filter((r) => r.state === 'Invisible' && (r.lockedUntilMs ?? 0) > now);
          expect(new Set(validHolders.map((r) => r.sequenceNumber)).size).toBe(validHolders.length);
        }

        // Drain: past every expiry the sweeper settles everything; nothing is lost, nothing settled twice.
        now += 60_000;
        await queue.sweep({ maxRecords: 1000, deadlineMs: Date.now() + 60_000 });
        for (const m of model.live()) model.finish(m, model.deadOutcome(m, now) ?? 'Expired', now);
        // The sweeper never sees a vanished slot (it has no record); the device's next receive releases it.
        expect(store.snapshot(DEVICE.deviceId).pending).toEqual([...model.vanished].sort((a, b) => a - b));
        expect(await queue.receive(DEVICE, 1000)).toBeUndefined();
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
