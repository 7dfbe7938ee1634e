/** The cloud-to-device errors callers can see, in IoT Hub's codes. */
import { ForbiddenError, PreconditionFailedError } from '../errors';

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
