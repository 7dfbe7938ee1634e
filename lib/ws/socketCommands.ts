/**
 * Cloud-to-device over the WebSocket: commands are locked exactly as an HTTPS receive locks
 * them and pushed as `c2d` frames, at most `maxInFlight` unsettled per connection. The slot
 * bookkeeping lives on the connection's item and changes only through version-conditioned
 * writes, so the send path and the settle path can push concurrently without exceeding it.
 */
import type { CommandQueue } from '../c2d/commandQueue';
import { StaleDeviceError } from '../c2d/errors';
import type { CommandRecord } from '../c2d/types';
import { previousDeliveries, receivedProperties } from '../c2d/wire';
import type { MessageProperties } from '../messageProperties';
import { HubError } from '../errors';
import { errorFields, log } from '../log';
import { randomBytes } from 'node:crypto';
import { ConnectionGoneError, type CommandSlots, type Connection, type CurrentConnections, type FrameSink } from './ports';
import { nack } from './protocol';
import type { SocketCommands } from './socketService';

const SLOT_ATTEMPTS = 5;

/**
 * A command pushed over the WebSocket: the properties an HTTPS receive sends as headers, as
 * fields named as in lib/messageProperties.ts (sequence number and delivery count as numbers),
 * with the lock token and the body (base64).
 */
export type C2dFrame = Omit<MessageProperties, 'to' | 'sequenceNumber' | 'deliveryCount'> & {
  type: 'c2d';
  lockToken: string;
  sequenceNumber: number;
  deliveryCount: number;
  body: string;
};

export function c2dFrame(record: CommandRecord): C2dFrame {
  // `to` names the HTTPS resource; a frame needs none.
  const { to: _to, sequenceNumber: _seq, deliveryCount: _count, ...fields } = receivedProperties(record);
  // Unset properties are undefined here and absent from the frame's JSON.
  return {
    type: 'c2d',
    lockToken: record.lockToken ?? '',
    ...fields,
    sequenceNumber: record.sequenceNumber,
    deliveryCount: previousDeliveries(record),
    body: (record.body ?? Buffer.alloc(0)).toString('base64'),
  };
}

/** The slot bookkeeping on a connection's item, at one version. */
interface SlotState {
  connectionId: string;
  slots: Record<string, number>;
  version: number;
}

/** The slots as carried by a connection item read with the connection (undefined fields: none yet). */
function slotsOf(conn: Connection): SlotState {
  const item = conn as Connection & { slots?: Record<string, number>; slotVersion?: number };
  return { connectionId: conn.connectionId, slots: item.slots ?? {}, version: item.slotVersion ?? 0 };
}

export class SocketCommandChannel implements SocketCommands {
  constructor(
    private readonly deps: {
      commands: Pick<CommandQueue, 'receive' | 'settleByDevice'>;
      store: CommandSlots;
      sink: FrameSink;
      maxInFlight: number;
      lockMs: number;
      /** The device as the registry holds it now (never cached): every push re-checks it. */
      registered: (deviceId: string) => Promise<{ status: string; generationId: string } | undefined>;
      now?: () => number;
    },
  ) {}

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  /** Pushes pending commands until the connection's slots are full or the queue is empty. */
  async pushPending(conn: Connection): Promise<void> {
    // A socket of a disabled, deleted or re-created device gets nothing, and is closed.
    const device = await this.deps.registered(conn.deviceId);
    if (device?.status !== 'enabled' || device.generationId !== conn.generationId) {
      await this.deps.sink.close(conn.endpoint, conn.connectionId).catch(() => undefined);
      return;
    }
    // The connection's item as last read or written: the first attempt of each slot change is
    // a conditional write against it, re-reading only on a conflict (a round trip per change saved).
    let known: SlotState | undefined = slotsOf(conn);
    for (let pushed = 0; pushed < this.deps.maxInFlight; pushed++) {
      const reserved = await this.reserveSlot(conn, known);
      if (!reserved) return;
      const reservation = reserved.key;
      known = reserved.state;
      let record: CommandRecord | undefined;
      try {
        record = await this.deps.commands.receive(
          { deviceId: conn.deviceId, generationId: conn.generationId },
          this.deps.lockMs,
          'websocket',
        );
      } catch (err) {
        if (err instanceof StaleDeviceError) return; // re-created since the check above: nothing for this socket
        throw err;
      } finally {
        if (!record) await this.updateSlot(conn, reservation, undefined, known);
      }
      if (!record?.lockToken) return;
      known = await this.updateSlot(
        conn,
        reservation,
        { token: record.lockToken, until: record.lockedUntilMs ?? this.now() + this.deps.lockMs },
        known,
      );
      try {
        await this.deps.sink.post(conn.endpoint, conn.connectionId, c2dFrame(record));
      } catch (err) {
        // Not delivered: give the command back for the next receive or HTTPS poll.
        log.warn('websocket push failed; command returned to the queue', { deviceId: conn.deviceId, ...errorFields(err) });
        await this.deps.commands.settleByDevice(conn.deviceId, record.lockToken, 'abandon').catch(() => undefined);
        await this.updateSlot(conn, record.lockToken, undefined);
        if (err instanceof ConnectionGoneError) {
          await this.deps.store.remove(conn); // the socket is gone: forget it
          return;
        }
        throw err;
      }
    }
  }

  async settle(conn: Connection, action: 'complete' | 'reject' | 'abandon', lockToken: string): Promise<unknown> {
    try {
      const record = await this.deps.commands.settleByDevice(conn.deviceId, lockToken, action);
      return { type: 'settled', action, lockToken, messageId: record.messageId };
    } catch (err) {
      if (err instanceof HubError) return { ...nack(undefined, err), lockToken };
      throw err;
    } finally {
      await this.updateSlot(conn, lockToken, undefined);
    }
  }

  /** Claims a free slot (expired locks free theirs); undefined when the connection is full or gone. */
  private async reserveSlot(conn: Connection, known?: SlotState): Promise<{ key: string; state: SlotState } | undefined> {
    const key = `reserved-${randomBytes(8).toString('hex')}`;
    const state = await this.changeSlots(
      conn,
      (slots, now) => {
        const live = Object.entries(slots).filter(([, until]) => until > now);
        if (live.length >= this.deps.maxInFlight) return undefined;
        return { ...Object.fromEntries(live), [key]: now + 30_000 };
      },
      known,
    );
    return state ? { key, state } : undefined;
  }

  /** Replaces (or, with no `next`, frees) one slot; returns the slots as written, if written. */
  private async updateSlot(
    conn: Connection,
    key: string,
    next: { token: string; until: number } | undefined,
    known?: SlotState,
  ): Promise<SlotState | undefined> {
    return this.changeSlots(
      conn,
      (slots, now) => {
        if (!(key in slots) && !next) return undefined;
        const kept = Object.fromEntries(Object.entries(slots).filter(([k, until]) => k !== key && until > now));
        return next ? { ...kept, [next.token]: next.until } : kept;
      },
      known,
    );
  }

  /**
   * A version-conditioned change of the slots. The first attempt may start from `known` (what
   * this push last read or wrote) instead of a read; a stale `known` only costs a conflict and
   * a fresh consistent read, as any concurrent change does.
   */
  private async changeSlots(
    conn: Connection,
    change: (slots: Record<string, number>, now: number) => Record<string, number> | undefined,
    known?: SlotState,
  ): Promise<SlotState | undefined> {
    for (let attempt = 0; attempt < SLOT_ATTEMPTS; attempt++) {
      const current = attempt === 0 && known ? known : await this.deps.store.slots(conn.deviceId);
      if (!current || current.connectionId !== conn.connectionId) return undefined; // replaced or gone
      const next = change(current.slots, this.now());
      if (!next) return undefined;
      if (await this.deps.store.replaceSlots(conn.deviceId, conn.connectionId, next, current.version)) {
        return { connectionId: conn.connectionId, slots: next, version: current.version + 1 };
      }
    }
    return undefined;
  }
}

/** The send path's push: if the device holds a socket, offer it its pending commands now. */
export async function pushToConnectedDevice(store: CurrentConnections, channel: SocketCommands, deviceId: string): Promise<void> {
  try {
    const conn = await store.current(deviceId);
    if (conn) await channel.pushPending(conn);
  } catch (err) {
    // The command is durably queued already; a failed push only delays it to the next receive.
    log.warn('push to connected device failed', { deviceId, ...errorFields(err) });
  }
}
