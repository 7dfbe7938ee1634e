/**
 * A consumer-group instance: every lease tick it renews its leases, hands over the ones others
 * asked for, lists the shards, and takes or asks for leases as balance() says; one ShardWorker
 * reads each leased shard. stop() finishes the batches in flight, checkpoints them and releases
 * every lease, so another instance continues at once.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { isRetryable, withRetries, type BackoffOptions } from './backoff';
import { balance } from './balance';
import { LeaseLostError } from './errors';
import type { LeaseStore, ShardSource } from './ports';
import { pinPosition } from './position';
import { readableShards } from './shardGraph';
import { ShardWorker, type WorkerEnd } from './shardWorker';
import type { BatchHandler, ConsumerEvent, GroupInfo, Lease, ShardInfo, ShardStatus, StartPosition } from './types';

export interface GroupConsumerOptions<T> {
  group: string;
  streamName: string;
  handler: BatchHandler<T>;
  store: LeaseStore;
  source: ShardSource;
  decode: (data: Uint8Array) => T;
  /** Where a new group starts (default trim-horizon); an existing group resumes from its checkpoints. */
  from?: StartPosition;
  /** This instance's name in the lease table (default host-pid-random). */
  instanceId?: string;
  /** A lease not renewed for this long is free for another instance (default 10 000 ms). */
  leaseMs?: number;
  /** Records per GetRecords call and per handler batch (default 500, at most 10 000). */
  batchSize?: number;
  /** Pause after an empty read of a shard (default 1000 ms; Kinesis allows 5 reads/s per shard). */
  idleMs?: number;
  /** How often the shard list is refreshed (default 10 000 ms; at once when a shard ends). */
  shardSyncMs?: number;
  /** Backoff between deliveries of a batch whose handler failed (default 200 ms doubling to 10 s). */
  handlerRetry?: BackoffOptions;
  onEvent?: (e: ConsumerEvent) => void;
}

interface Owned<T> {
  worker: ShardWorker<T>;
  /** Local clock: the lease is ours until then (renewals push it on). */
  validUntil: number;
  done: Promise<WorkerEnd>;
  handoffTo?: string;
}

export class GroupConsumer<T> {
  readonly instanceId: string;
  private readonly leaseMs: number;
  private readonly renewMs: number;
  private readonly owned = new Map<string, Owned<T>>();
  private group?: GroupInfo;
  private shards: ShardInfo[] = [];
  private shardsAt = 0;
  private timer?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  private running = false;
  private readonly storeRetry = { attempts: 3, baseMs: 50, maxMs: 500 };

  constructor(private readonly o: GroupConsumerOptions<T>) {
    this.instanceId = o.instanceId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.leaseMs = o.leaseMs ?? 10_000;
    this.renewMs = Math.max(50, Math.floor(this.leaseMs / 3));
  }

  private emit(e: ConsumerEvent): void {
    try {
      this.o.onEvent?.(e);
    } catch {
      // A failing observer must not stop the consumer.
    }
  }

  /** Registers the group (if new) and starts reading. Rejects only on errors a retry cannot fix. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.ensureGroup();
    } catch (err) {
      // A missing table, bad credentials or configuration: say so now. A table that is down
      // (or throttling): wait for it in the loop.
      if (!isRetryable(err)) {
        this.running = false;
        throw err;
      }
      this.emit({ type: 'error', where: 'register group', error: err as Error });
    }
    this.schedule(0);
  }

  private async ensureGroup(): Promise<GroupInfo> {
    this.group ??= await this.o.store.ensureGroup({
      group: this.o.group,
      streamName: this.o.streamName,
      start: pinPosition(this.o.from ?? { type: 'trim-horizon' }, Date.now()),
      createdAt: Date.now(),
    });
    return this.group;
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.ticking = this.tick()
        .catch((err: unknown) => this.emit({ type: 'error', where: 'lease tick', error: err as Error }))
        .finally(() => this.schedule(this.renewMs));
    }, ms);
  }

  private async tick(): Promise<void> {
    const group = await this.ensureGroup();
    await this.renewAll();
    if (!this.running) return;
    const now = Date.now();
    if (this.shards.length === 0 || now - this.shardsAt > (this.o.shardSyncMs ?? 10_000)) {
      const shards = await this.o.source.listShards();
      const known = new Set((await this.o.store.leases(group.group)).map((l) => l.shardId));
      for (const s of shards) if (!known.has(s.shardId)) await this.o.store.createLease(group.group, s.shardId, s.parentShardIds);
      this.shards = shards;
      this.shardsAt = now;
    }
    const leases = await this.o.store.leases(group.group);
    const byShard = new Map(leases.map((l) => [l.shardId, l]));
    const readable = readableShards(this.shards, byShard);
    // Our own leases as we know them locally (a renew may be in flight elsewhere).
    const view = leases.map((l) =>
      this.owned.has(l.shardId) ? { ...l, owner: this.instanceId, expiresAt: Math.max(l.expiresAt, now + 1) } : l,
    );
    const decision = balance(this.instanceId, Date.now(), view, readable);
    for (const shardId of decision.take) {
      const lease = byShard.get(shardId);
      if (!lease || this.owned.has(shardId) || !this.running) continue;
      const stolenFrom = lease.owner;
      const sentAt = Date.now();
      const taken = await this.o.store.take(lease, this.instanceId, sentAt + this.leaseMs);
      if (taken) this.startWorker(group, taken, sentAt, stolenFrom);
    }
    if (decision.steal && this.running) {
      const lease = byShard.get(decision.steal.shardId);
      if (lease && (await this.o.store.requestTransfer(lease, this.instanceId)))
        this.emit({ type: 'transfer-requested', shardId: lease.shardId, from: decision.steal.from });
    }
  }

  private async renewAll(): Promise<void> {
    const group = this.o.group;
    await Promise.all(
      [...this.owned].map(async ([shardId, own]) => {
        // Renewed during a handoff too: the batch in flight finishes under a valid lease.
        const sentAt = Date.now();
        try {
          const lease = await withRetries(
            () => this.o.store.renew(group, shardId, this.instanceId, sentAt + this.leaseMs, own.worker.status.millisBehindLatest),
            this.storeRetry,
          );
          own.validUntil = sentAt + this.leaseMs - this.safetyMs();
          if (lease.transferTo && lease.transferTo !== this.instanceId) {
            own.handoffTo = lease.transferTo;
            own.worker.stop(); // finishes and checkpoints its batch; then released (see startWorker)
          }
        } catch (err) {
          if (err instanceof LeaseLostError) {
            own.validUntil = 0;
            own.worker.abort();
            this.emit({ type: 'lease-lost', shardId, reason: 'another instance owns it' });
          } else this.emit({ type: 'error', where: `renew ${shardId}`, error: err as Error }); // validity runs out by itself
        }
      }),
    );
  }

  /** Stops processing this long before the lease runs out, for clock drift and slow answers. */
  private safetyMs(): number {
    return Math.floor(this.leaseMs / 5);
  }

  private startWorker(group: GroupInfo, lease: Lease, sentAt: number, stolenFrom: string | undefined): void {
    const shardId = lease.shardId;
    const worker = new ShardWorker<T>({
      group: group.group,
      shardId,
      me: this.instanceId,
      source: this.o.source,
      store: this.o.store,
      start: group.start,
      ...(lease.checkpoint ? { checkpoint: lease.checkpoint } : {}),
      handler: this.o.handler,
      decode: this.o.decode,
      batchSize: this.o.batchSize ?? 500,
      idleMs: this.o.idleMs ?? 1000,
      handlerRetry: this.o.handlerRetry ?? { baseMs: 200, maxMs: 10_000 },
      storeRetry: this.storeRetry,
      leaseValid: () => (this.owned.get(shardId)?.validUntil ?? 0) > Date.now(),
      emit: (e) => this.emit(e),
    });
    const own: Owned<T> = { worker, validUntil: sentAt + this.leaseMs - this.safetyMs(), done: Promise.resolve('stopped') };
    this.owned.set(shardId, own);
    this.emit({ type: 'lease-taken', shardId, ...(stolenFrom && stolenFrom !== this.instanceId ? { stolenFrom } : {}) });
    own.done = worker
      .run()
      .catch((err: unknown) => {
        this.emit({ type: 'error', where: `worker ${shardId}`, error: err as Error });
        return 'stopped' as const;
      })
      .then(async (end) => {
        if (end === 'lost') {
          this.emit({ type: 'lease-lost', shardId, reason: 'lease expired or taken' });
        } else {
          if (end === 'finished') this.shardsAt = 0; // children may be readable now
          const reserve = own.handoffTo ? { to: own.handoffTo, until: Date.now() + this.leaseMs } : undefined;
          await this.o.store
            .release(group.group, shardId, this.instanceId, reserve)
            .then(() => this.emit({ type: 'lease-released', shardId }))
            .catch((err: unknown) => this.emit({ type: 'error', where: `release ${shardId}`, error: err as Error }));
        }
        if (this.owned.get(shardId) === own) this.owned.delete(shardId);
        return end;
      });
  }

  /** Finishes the batches in flight, checkpoints them and releases every lease. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearTimeout(this.timer);
    await this.ticking;
    const all = [...this.owned.values()];
    for (const own of all) own.worker.stop();
    await Promise.all(all.map((own) => own.done));
  }

  /** The shards this instance reads now. */
  status(): ShardStatus[] {
    return [...this.owned.values()].map((o) => ({ ...o.worker.status })).sort((a, b) => a.shardId.localeCompare(b.shardId));
  }
}
