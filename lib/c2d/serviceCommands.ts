/**
 * The service side of cloud-to-device on a registered device: send a command (then offer it to
 * the device's socket at once), purge the device's queue, list what is pending. An unknown
 * device is a 404 before the queue is touched.
 */
import type { Device } from '../registry/device';
import { validateDeviceId } from '../registry/device';
import type { CommandQueue, PendingCommand } from './commandQueue';
import type { CommandContent, CommandRecord } from './types';

export interface ServiceCommandsDeps {
  /** Port: the registered device (read from the registry, never cached), or a NotFoundError. */
  requireDevice(deviceId: string): Promise<Device>;
  queue: Pick<CommandQueue, 'send' | 'purge' | 'list'>;
  /** Offers a connected device its pending commands. Never throws: the command is queued already. */
  pushToDevice(deviceId: string): Promise<void>;
}

export class ServiceCommands {
  constructor(private readonly deps: ServiceCommandsDeps) {}

  /** Queues the command durably, then pushes it if the device holds a socket. */
  async send(deviceId: string, request: { content: CommandContent; body: Buffer; expiresAtMs: number }): Promise<CommandRecord> {
    const device = await this.deps.requireDevice(validateDeviceId(deviceId));
    const record = await this.deps.queue.send(device, request.content, request.body, request.expiresAtMs);
    await this.deps.pushToDevice(device.deviceId);
    return record;
  }

  /** Removes every pending command of the device; answers how many. */
  async purge(deviceId: string): Promise<number> {
    await this.deps.requireDevice(validateDeviceId(deviceId));
    return this.deps.queue.purge(deviceId);
  }

  async list(deviceId: string): Promise<PendingCommand[]> {
    await this.deps.requireDevice(validateDeviceId(deviceId));
    return this.deps.queue.list(deviceId);
  }
}
