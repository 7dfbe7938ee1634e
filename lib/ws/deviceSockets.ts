/**
 * Closing a device's WebSocket from the service side: a deleted or disabled device must not keep
 * a socket that commands could be pushed to (IoT Hub disconnects such devices too).
 */
import { errorFields, log } from '../log';
import { closingFrame, type RevocationReason } from './socketAuth';
import type { CurrentConnections, FrameSink } from './ports';

/**
 * Closes and forgets the device's current connection, if it has one, after a closing frame that
 * says why (as the socket's own checks do). Never throws.
 */
export async function closeDeviceSocket(
  store: CurrentConnections,
  sink: FrameSink,
  deviceId: string,
  reason: Extract<RevocationReason, 'DeviceDeleted' | 'DeviceDisabled'>,
): Promise<void> {
  try {
    const conn = await store.current(deviceId);
    if (!conn) return;
    // Best effort: the device may already be gone.
    await sink.post(conn.endpoint, conn.connectionId, closingFrame(reason)).catch(() => undefined);
    await sink.close(conn.endpoint, conn.connectionId).catch((err: unknown) => log.warn('closing device socket failed', errorFields(err)));
    // Forgotten even if the close failed: nothing is pushed to it any more.
    await store.remove(conn);
  } catch (err) {
    // Pushes re-check the device anyway; a failure here only delays the socket's end.
    log.warn('forgetting device socket failed', { deviceId, ...errorFields(err) });
  }
}
