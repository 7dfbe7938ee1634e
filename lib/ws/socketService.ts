/**
 * The WebSocket device channel: authentication at connect, one live connection per device,
 * connection state events, telemetry frames with per-message acks, and (through the command
 * channel) cloud-to-device commands pushed and settled over the socket.
 */
import type { Authenticator } from '../auth';
import type { TelemetryService } from '../d2c/telemetryService';
import type { EventStream } from '../envelope';
import { HubError, UnauthorizedError } from '../errors';
import { errorFields, log } from '../log';
import { metrics } from '../metrics';
import type { DeviceCredentials } from '../registry/device';
import { parseSasToken, splitResource } from '../sas';
import { TtlCache } from '../ttlCache';
import { connectionStateEvent } from './connectionEvents';
import type { Connection, FrameSink, SocketConnections } from './ports';
import { ack, errorReply, nack, parseFrame, type DeviceFrame } from './protocol';
import { closingFrame, credentialOf, revocation, type RevocationReason } from './socketAuth';

/** Cloud-to-device operations over a socket (implemented on the C2D queue). */
export interface SocketCommands {
  /** Locks and pushes pending commands up to the connection's in-flight limit. */
  pushPending(conn: Connection): Promise<void>;
  /** Settles a command; returns the reply frame (settled, or a nack on a lost lock). */
  settle(conn: Connection, action: 'complete' | 'reject' | 'abandon', lockToken: string): Promise<unknown>;
}

export class SocketService {
  private readonly connections = new TtlCache<Connection>(10_000);

  constructor(
    private readonly deps: {
      hubName: string;
      auth: Pick<Authenticator, 'authenticateDevice' | 'currentDevice' | 'forgetDevice'>;
      /** Throws 429 when the device exceeds its request rate (each frame counts as a request). */
      limiter?: { take(deviceId: string): void };
      store: SocketConnections;
      telemetry: Pick<TelemetryService, 'accept'>;
      events: EventStream;
      sink: FrameSink;
      commands?: SocketCommands;
      /** Notes device activity (lastActivityTime); throttled by the caller. */
      activity?: (deviceId: string) => Promise<void>;
      now?: () => Date;
    },
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** $connect: authenticates; on success the connection becomes the device's only one. */
  async connect(connectionId: string, authorization: string | undefined, endpoint: string): Promise<DeviceCredentials> {
    const malformed = () => {
      metrics.authFailure('MalformedToken');
      return new UnauthorizedError();
    };
    const token = parseSasToken(authorization);
    if (!token) throw malformed();
    const { path } = splitResource(token.resource);
    let deviceId: string;
    try {
      deviceId = decodeURIComponent(path[1] ?? '');
    } catch {
      throw malformed();
    }
    if (path.length !== 2 || !deviceId) throw malformed();
    // Connecting is rare: read the registry, so a socket never records a stale generation.
    this.deps.auth.forgetDevice(deviceId);
    const device = await this.deps.auth.authenticateDevice(authorization, deviceId);
    const now = this.now();
    const previous = await this.deps.store.register(
      {
        deviceId,
        connectionId,
        generationId: device.generationId,
        connectedAt: now.toISOString(),
        endpoint,
        ...credentialOf(token, device),
      },
      now,
    );
    if (previous) {
      // One live connection per device: the newer one wins, the older is closed.
      this.connections.delete(previous.connectionId);
      await this.deps.sink
        .close(previous.endpoint, previous.connectionId)
        .catch((err: unknown) => log.warn('closing replaced connection failed', errorFields(err)));
    }
    await this.emitState(device, 'deviceConnected');
    metrics.add('WsConnects', 1);
    return device;
  }

  /** $disconnect: forgets the connection; a replaced connection emits no disconnect event. */
  async disconnect(connectionId: string): Promise<void> {
    metrics.add('WsDisconnects', 1);
    const conn = await this.deps.store.byConnectionId(connectionId);
    this.connections.delete(connectionId);
    if (!conn) return;
    const wasCurrent = await this.deps.store.remove(conn);
    if (wasCurrent) await this.emitState({ deviceId: conn.deviceId, generationId: conn.generationId }, 'deviceDisconnected');
  }

  private async emitState(device: { deviceId: string; generationId: string }, op: 'deviceConnected' | 'deviceDisconnected'): Promise<void> {
    await this.deps.store.markStateChange(device.deviceId, this.now());
    const sequence = await this.deps.store.nextSequence(device.deviceId);
    const envelope = connectionStateEvent(this.deps.hubName, device, op, sequence, this.now());
    await this.deps.events.putJson([{ partitionKey: device.deviceId, value: envelope }]);
  }

  /** $default: one frame from the device. Replies are posted to the socket. */
  async frame(connectionId: string, body: string | undefined, endpoint: string): Promise<void> {
    const conn = await this.connection(connectionId);
    const reply = (frame: unknown) => this.deps.sink.post(conn?.endpoint ?? endpoint, connectionId, frame);
    if (!conn) {
      await reply(errorReply(new UnauthorizedError()));
      return;
    }
    const device = await this.deps.auth.currentDevice(conn.deviceId);
    const revoked = revocation(conn, device, Math.floor(this.now().getTime() / 1000));
    if (revoked || !device) {
      // Expired, disabled, deleted or re-created, or its key regenerated: the socket's
      // authentication no longer holds (device state is as fresh as the device cache bound).
      await this.revoke(conn, revoked ?? 'DeviceDeleted');
      return;
    }
    await this.deps.activity?.(conn.deviceId);
    try {
      this.deps.limiter?.take(conn.deviceId);
    } catch (err) {
      if (err instanceof HubError) {
        await reply({ ...errorReply(err), retryAfterSeconds: Number(err.headers['Retry-After'] ?? 1) });
        return;
      }
      throw err;
    }
    const parsed = parseFrame(body);
    metrics.add('WsFrames', 1, { Action: 'error' in parsed ? 'invalid' : parsed.frame.action });
    if ('error' in parsed) {
      // A send whose message id could be read gets a nack for that id; anything else an error frame.
      await reply(parsed.messageId !== undefined ? nack(parsed.messageId, parsed.error) : errorReply(parsed.error));
      return;
    }
    await this.dispatch(parsed.frame, conn, device, reply);
  }

  private async dispatch(
    frame: DeviceFrame,
    conn: Connection,
    device: DeviceCredentials,
    reply: (f: unknown) => Promise<void>,
  ): Promise<void> {
    switch (frame.action) {
      case 'send':
      case 'sendBatch': {
        const items = frame.action === 'send' ? [{ messageId: frame.messageId, message: frame.message }] : frame.messages;
        try {
          await this.deps.telemetry.accept(
            device,
            items.map((i) => i.message),
            'websocket',
          );
        } catch (err) {
          // Nothing is acknowledged unless it is in the stream.
          const hubErr = err instanceof HubError ? err : undefined;
          if (!hubErr) log.error('websocket send failed', errorFields(err));
          for (const i of items) await reply(nack(i.messageId, hubErr ?? new HubError(500, 'ServerError', 'An internal error occurred')));
          return;
        }
        for (const i of items) await reply(ack(i.messageId));
        return;
      }
      case 'ping':
        await reply({ type: 'pong' });
        return;
      case 'receive':
        if (!this.deps.commands) {
          await reply(errorReply(new HubError(501, 'NotImplemented', 'Commands over WebSocket are not available')));
          return;
        }
        await this.deps.commands.pushPending(conn);
        return;
      case 'complete':
      case 'reject':
      case 'abandon':
        if (!this.deps.commands) {
          await reply(errorReply(new HubError(501, 'NotImplemented', 'Commands over WebSocket are not available')));
          return;
        }
        await reply(await this.deps.commands.settle(conn, frame.action, frame.lockToken));
        await this.deps.commands.pushPending(conn);
        return;
    }
  }

  /**
   * The connection sweep (scheduled): closes every connection whose authentication no longer
   * holds, quiet ones included, which no frame would ever check. Returns how many it closed.
   */
  async sweep(): Promise<number> {
    const nowSeconds = Math.floor(this.now().getTime() / 1000);
    let closed = 0;
    for await (const conn of this.deps.store.all()) {
      const reason = revocation(conn, await this.deps.auth.currentDevice(conn.deviceId), nowSeconds);
      if (!reason) continue;
      await this.revoke(conn, reason).catch((err: unknown) => log.warn('closing revoked connection failed', errorFields(err)));
      closed++;
    }
    return closed;
  }

  /** Tells the device why (the close itself carries no reason on API Gateway), then closes. */
  private async revoke(conn: Connection, reason: RevocationReason): Promise<void> {
    log.info('websocket connection revoked', { deviceId: conn.deviceId, reason });
    this.connections.delete(conn.connectionId);
    await this.deps.sink.post(conn.endpoint, conn.connectionId, closingFrame(reason)).catch(() => undefined); // gone already: fine
    await this.deps.sink.close(conn.endpoint, conn.connectionId);
  }

  private async connection(connectionId: string): Promise<Connection | undefined> {
    const cached = this.connections.get(connectionId);
    if (cached) return cached;
    const conn = await this.deps.store.byConnectionId(connectionId);
    if (conn) this.connections.set(connectionId, conn, 60_000);
    return conn;
  }
}
