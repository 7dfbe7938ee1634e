/** Errors the consumer library throws or reports. */
export class ConsumerError extends Error {
  override name = 'ConsumerError';
}

/** `reset` (or `consume` with `mustExist`) named a group that has never run. */
export class UnknownGroupError extends ConsumerError {
  override name = 'UnknownGroupError';
  constructor(readonly group: string) {
    super(`unknown consumer group "${group}": no instance of it has ever run (devhub groups list shows the groups)`);
  }
}

/** A conditional write found the lease owned by someone else: this instance no longer reads the shard. */
export class LeaseLostError extends ConsumerError {
  override name = 'LeaseLostError';
  constructor(readonly shardId: string) {
    super(`lease on ${shardId} lost`);
  }
}

/** The handler threw; the batch is not checkpointed and will be delivered again. */
export class HandlerError extends ConsumerError {
  override name = 'HandlerError';
  constructor(
    readonly shardId: string,
    override readonly cause: unknown,
  ) {
    super(`handler failed on ${shardId}: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/** `reset` on a group whose instances are running (their leases are live). */
export class GroupActiveError extends ConsumerError {
  override name = 'GroupActiveError';
  constructor(
    readonly group: string,
    readonly owners: string[],
  ) {
    super(
      `consumer group "${group}" is running (instances ${owners.join(', ')}): stop them, or wait until their leases expire, then reset`,
    );
  }
}
