/** The cloud-to-device errors callers can see, in IoT Hub's codes. */
import { ForbiddenError, PreconditionFailedError, UnauthorizedError } from '../errors';

export class LockLostError extends PreconditionFailedError {
  constructor(reason: string) {
    super(`The message lock was lost: ${reason}`, 'DeviceMessageLockLost');
  }
}

export class QueueDepthExceededError extends ForbiddenError {
  constructor(deviceId: string, maxDepth: number) {
    super(`Device ${deviceId} already has the maximum of ${maxDepth} pending cloud-to-device messages`, 'DeviceMaximumQueueDepthExceeded');
  }
}

/**
 * The caller's idea of the device (e.g. from a per-instance cache) is an earlier generation than
 * the registry's: re-authenticate against the registry and try again. If it escapes, it is the
 * plain 401 every authentication failure gets.
 */
export class StaleDeviceError extends UnauthorizedError {}
