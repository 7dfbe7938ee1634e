/**
 * Ports of the WebSocket device channel: what the socket service, the command channel and the
 * service-side close need from the outside. The DynamoDB connection table
 * (lib/adapters/aws/connectionStore.ts) and API Gateway's management API
 * (lib/adapters/aws/socketPusher.ts) implement them; unit tests use fakes.
 */

export interface Connection {
  deviceId: string;
  connectionId: string;
  generationId: string;
  connectedAt: string;
  /** Where to post frames for this connection (API Gateway management endpoint). */
  endpoint: string;
  /** Epoch seconds: DynamoDB TTL cleans up after API Gateway's 2-hour connection limit. */
  ttl: number;
  /** Epoch seconds the connecting SAS token expires (lib/ws/socketAuth.ts). */
  tokenExpiry?: number;
  /** Fingerprint of the device key that signed the connecting token. */
  keyFingerprint?: string;
}

/** A post to a socket that no longer exists (API Gateway answered 410 Gone). */
export class ConnectionGoneError extends Error {
  constructor(readonly connectionId: string) {
    super(`connection ${connectionId} is gone`);
    this.name = 'ConnectionGoneError';
  }
}

/** Where replies and pushed commands go. */
export interface FrameSink {
  /** Sends one JSON frame; throws ConnectionGoneError when the socket no longer exists. */
  post(endpoint: string, connectionId: string, frame: unknown): Promise<void>;
  /** Closes a connection; an already-gone connection is fine. */
  close(endpoint: string, connectionId: string): Promise<void>;
}

/** A device's current connection, and forgetting it (service-side close, push to a gone socket). */
export interface CurrentConnections {
  current(deviceId: string): Promise<Connection | undefined>;
  /** Forgets the connection; true if it was still the device's current one. */
  remove(conn: Pick<Connection, 'deviceId' | 'connectionId'>): Promise<boolean>;
}

/** The connection records the socket service keeps (one live connection per device). */
export interface SocketConnections extends CurrentConnections {
  /** Records a connection as the device's current one; returns the one it replaced, if any. */
  register(conn: Omit<Connection, 'ttl'>, now: Date): Promise<Connection | undefined>;
  byConnectionId(connectionId: string): Promise<Connection | undefined>;
  /** Every live connection (the sweep). */
  all(): AsyncIterable<Connection>;
  /** The next connection state event sequence number of the device. */
  nextSequence(deviceId: string): Promise<number>;
  markStateChange(deviceId: string, now: Date): Promise<void>;
}

/** In-flight command slots on a connection, changed only by version-conditioned writes. */
export interface CommandSlots extends CurrentConnections {
  slots(deviceId: string): Promise<{ connectionId: string; slots: Record<string, number>; version: number } | undefined>;
  /** False when the version moved on (or the connection was replaced) meanwhile. */
  replaceSlots(deviceId: string, connectionId: string, slots: Record<string, number>, version: number): Promise<boolean>;
}
