/**
 * The device JSON the registry answers, as IoT Hub's: the stored identity plus the runtime
 * fields cloudToDeviceMessageCount, connectionState, connectionStateUpdatedTime and
 * lastActivityTime. Pure; the caller gathers the runtime facts.
 */
import type { Device } from './device';

/** IoT Hub's value for "never" in device time fields. */
export const NEVER = '0001-01-01T00:00:00Z';

export interface DeviceRuntime {
  pendingCommands: number;
  connected: boolean;
  connectionStateUpdatedTime?: string;
  lastActivityTime?: string;
}

export type DeviceView = Device & {
  cloudToDeviceMessageCount: number;
  connectionState: 'Connected' | 'Disconnected';
  connectionStateUpdatedTime: string;
  lastActivityTime: string;
};

export function deviceView(device: Device, runtime: DeviceRuntime): DeviceView {
  return {
    ...device,
    cloudToDeviceMessageCount: runtime.pendingCommands,
    connectionState: runtime.connected ? 'Connected' : 'Disconnected',
    connectionStateUpdatedTime: runtime.connectionStateUpdatedTime ?? NEVER,
    lastActivityTime: runtime.lastActivityTime ?? NEVER,
  };
}
