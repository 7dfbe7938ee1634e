/**
 * Composition root: builds the hub's services from configuration and AWS clients. Handlers
 * call this once per cold start; nothing here runs per request.
 */
import { Authenticator } from './auth';
import { ConnectionStore } from './adapters/aws/connectionStore';
import { SocketPusher } from './adapters/aws/socketPusher';
import { StaleDeviceError } from './c2d/errors';
import type { CommandRecord } from './c2d/types';
import { closeDeviceSocket } from './ws/deviceSockets';
import { errorFields, log } from './log';
import { deviceView, type DeviceView } from './registry/deviceView';
import { TtlCache } from './ttlCache';
import { DeviceRateLimiter } from './rateLimit';
import type { Device } from './registry/device';
import type { AwsClients } from './adapters/aws/awsClients';
import { DeviceStore } from './adapters/aws/deviceStore';
import { PolicyStore } from './adapters/aws/policyStore';
import { RegistryChangeStore } from './adapters/aws/registryChangeStore';
import { StreamWriter } from './adapters/aws/streamWriter';
import type { CommandQueue } from './c2d/commandQueue';
import { createCommandQueue } from './c2d/createCommandQueue';
import type { HubConfig } from './config';
import { TelemetryService } from './d2c/telemetryService';
import { RegistryService } from './registry/registryService';

export interface Hub {
  config: HubConfig;
  clients: AwsClients;
  devices: DeviceStore;
  policies: PolicyStore;
  events: StreamWriter;
  auth: Authenticator;
  registry: RegistryService;
  telemetry: TelemetryService;
  commands: CommandQueue;
  /** Per-device request rate limit (off unless DEVICE_RATE_LIMIT_PER_SECOND is set). */
  limiter: DeviceRateLimiter;
  /** Every device request: authenticate the SAS token, then apply the device's rate limit. */
  admitDevice(authorization: string | undefined, deviceId: string, arrivedVia?: string): Promise<Device>;
  /**
   * A device's HTTPS receive. If the queue finds the cached device is an earlier generation
   * than the registry's (deleted and re-created meanwhile), authenticates again from the
   * registry and retries once, so a stale cache can never purge the new device's commands.
   */
  receiveCommand(
    authorization: string | undefined,
    device: Device,
    lockMs: number,
    arrivedVia?: string,
  ): Promise<CommandRecord | undefined>;
  /** The device as the registry answers it: identity plus connection state, activity and pending commands. */
  describeDevice(device: Device): Promise<DeviceView>;
  /** Notes that the device was active (written at most once per ACTIVITY_RESOLUTION_MS per device and instance). */
  recordActivity(deviceId: string): Promise<void>;
}

/** lastActivityTime is kept to this resolution: one write per device per minute per function instance at most. */
export const ACTIVITY_RESOLUTION_MS = 60_000;

export function createHub(config: HubConfig, clients: AwsClients): Hub {
  const devices = new DeviceStore(clients.dynamo, config.tables.devices);
  const policies = new PolicyStore(clients.dynamo, config.tables.policies);
  const events = new StreamWriter(clients.kinesis, config.eventsStream);
  const changes = new RegistryChangeStore(clients.dynamo, config.tables.devices);
  const auth = new Authenticator(
    {
      getDevice: (id, consistent) => devices.get(id, consistent),
      readChanges: () => changes.read(),
      getPolicy: (name) => policies.get(name),
    },
    {
      hubHostname: [config.hubHostname, ...config.deviceHostnames],
      cacheTtlMs: config.deviceCacheTtlMs,
      devices: {
        pollMs: config.deviceAuthCache.changePollMs,
        ttlMs: config.deviceAuthCache.ttlMs,
        maxEntries: config.deviceAuthCache.maxEntries,
        negativeTtlMs: 1000,
      },
    },
  );
  const commands = createCommandQueue(config, clients);
  const limiter = new DeviceRateLimiter(config.deviceRateLimitPerSecond);
  const connections = new ConnectionStore(clients.dynamo, config.tables.connections);
  const sockets = new SocketPusher();
  const recentlyActive = new TtlCache<true>(10_000);
  const recordActivity = async (deviceId: string): Promise<void> => {
    if (recentlyActive.get(deviceId)) return;
    recentlyActive.set(deviceId, true, ACTIVITY_RESOLUTION_MS);
    // Bookkeeping only: a failed write never fails the device's request.
    await connections.markActivity(deviceId, new Date()).catch((err: unknown) => {
      recentlyActive.delete(deviceId);
      log.warn('recording device activity failed', { deviceId, ...errorFields(err) });
    });
  };
  return {
    config,
    clients,
    devices,
    policies,
    events,
    auth,
    // A deleted device's command queue and socket go with it; a disabled device loses its socket.
    registry: new RegistryService(devices, events, config.hubName, {
      // Every instance's authentication cache learns of the change from the feed within its poll.
      onDeleted: async (device) => {
        await changes.record([device.deviceId]);
        await closeDeviceSocket(connections, sockets, device.deviceId, 'DeviceDeleted');
        await commands.dropDevice(device.deviceId);
      },
      onUpdated: async (device) => {
        await changes.record([device.deviceId]);
        if (device.status !== 'enabled') await closeDeviceSocket(connections, sockets, device.deviceId, 'DeviceDisabled');
      },
    }),
    telemetry: new TelemetryService(events),
    commands,
    limiter,
    async admitDevice(authorization, deviceId, arrivedVia) {
      const device = await auth.authenticateDevice(authorization, deviceId, arrivedVia);
      limiter.take(deviceId);
      await recordActivity(deviceId);
      return device;
    },
    recordActivity,
    async describeDevice(device) {
      const [pendingCommands, state] = await Promise.all([
        commands.pendingCount(device.deviceId),
        connections.deviceState(device.deviceId),
      ]);
      return deviceView(device, { pendingCommands, ...state });
    },
    async receiveCommand(authorization, device, lockMs, arrivedVia) {
      try {
        return await commands.receive(device, lockMs);
      } catch (err) {
        if (!(err instanceof StaleDeviceError)) throw err;
        auth.forgetDevice(device.deviceId);
        return commands.receive(await auth.authenticateDevice(authorization, device.deviceId, arrivedVia), lockMs);
      }
    },
  };
}
