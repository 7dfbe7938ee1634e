/**
 * The composition root: the one place that builds the hub's services from configuration and
 * AWS clients, wiring the adapters (lib/adapters/aws) into the domain's ports. Every handler in
 * functions/ calls createHub once per cold start (nothing here does I/O) and gets use cases, not
 * adapters. Construction is cheap; a handler uses the part it needs.
 */
import type { AwsClients } from './adapters/aws/awsClients';
import { DynamoQueueStore } from './adapters/aws/c2d/dynamoStore';
import { FeedbackLocks, FeedbackPublisher, FeedbackReader } from './adapters/aws/c2d/feedbackQueue';
import { ConnectionStore } from './adapters/aws/connectionStore';
import { DeviceKeySeedStore } from './adapters/aws/deviceKeySeed';
import { DeviceStore } from './adapters/aws/deviceStore';
import { EventsReader } from './adapters/aws/eventsReader';
import { PolicyStore } from './adapters/aws/policyStore';
import { RegistryChangeStore } from './adapters/aws/registryChangeStore';
import { RevocationStore } from './adapters/aws/revocationStore';
import { DeadLetterQueue } from './adapters/aws/routing/deadLetterQueue';
import { DeviceTags } from './adapters/aws/routing/deviceTags';
import { endpointProbe } from './adapters/aws/routing/endpointProbe';
import { RoutingStore } from './adapters/aws/routing/routingStore';
import { senderFor } from './adapters/aws/routing/senders';
import { SocketPusher } from './adapters/aws/socketPusher';
import { StreamWriter } from './adapters/aws/streamWriter';
import { Authenticator } from './auth';
import { CommandQueue } from './c2d/commandQueue';
import { StaleDeviceError } from './c2d/errors';
import { ServiceCommands } from './c2d/serviceCommands';
import type { CommandRecord } from './c2d/types';
import type { HubConfig } from './config';
import { TelemetryService } from './d2c/telemetryService';
import { errorFields, log } from './log';
import { metrics } from './metrics';
import { DeviceRateLimiter } from './rateLimit';
import type { Device, DeviceCredentials } from './registry/device';
import { deviceView, type DeviceView } from './registry/deviceView';
import { RegistryService } from './registry/registryService';
import { listDeadLetters, redrive, type DeadLetterView, type RedriveResult } from './routing/redrive';
import { Router } from './routing/router';
import { RoutingService } from './routing/routingService';
import { TtlCache } from './ttlCache';
import { closeDeviceSocket } from './ws/deviceSockets';
import type { FrameSink } from './ws/ports';
import { pushToConnectedDevice, SocketCommandChannel } from './ws/socketCommands';
import { SocketService } from './ws/socketService';

export interface Hub {
  config: HubConfig;
  auth: Authenticator;
  registry: RegistryService;
  telemetry: TelemetryService;
  /** The device side of the C2D queues (receive, settle) and the sweeper. */
  commands: CommandQueue;
  /** The service side of C2D on registered devices: send (and push), purge, list. */
  serviceCommands: ServiceCommands;
  /** IoT Hub's feedback receiver (lock, complete, abandon) and the per-sender feedback read. */
  feedback: {
    locks: Pick<FeedbackLocks, 'receive' | 'complete' | 'abandon'>;
    forSender: Pick<FeedbackReader, 'receive'>;
  };
  /** Reads the built-in endpoint for `GET /events`. */
  events: Pick<EventsReader, 'read'>;
  routing: RoutingService;
  router: Router;
  deadLetters: {
    list(top: number, endpoint?: string): Promise<DeadLetterView[]>;
    redrive(opts: { endpoint?: string; max: number; deadlineMs: number }): Promise<RedriveResult>;
  };
  sockets: SocketService;
  /** Posts frames to (and closes) device sockets. */
  frameSink: FrameSink;
  /** Every device request: authenticate the SAS token, then apply the device's rate limit. */
  admitDevice(authorization: string | undefined, deviceId: string, arrivedVia?: string): Promise<DeviceCredentials>;
  /**
   * A device's HTTPS receive. If the queue finds the cached device is an earlier generation
   * than the registry's (deleted and re-created meanwhile), authenticates again from the
   * registry and retries once, so a stale cache can never purge the new device's commands.
   */
  receiveCommand(
    authorization: string | undefined,
    device: DeviceCredentials,
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

/** A settled command's own handler normally finishes its outbox within milliseconds; the sweeper waits this long before taking over. */
export const OUTBOX_GRACE_MS = 30_000;

export function createHub(config: HubConfig, clients: AwsClients): Hub {
  // The instance's one recorder aggregates for the configured window (lib/metrics.ts).
  metrics.configure({ flushIntervalMs: config.metricsFlushIntervalMs });
  // Adapters (one of each per cold start).
  const devices = new DeviceStore(clients.dynamo, config.tables.devices);
  const policies = new PolicyStore(clients.dynamo, config.tables.policies);
  const eventStream = new StreamWriter(clients.kinesis, config.eventsStream);
  const changes = new RegistryChangeStore(clients.dynamo, config.tables.devices);
  const keySeed = new DeviceKeySeedStore(clients.dynamo, config.tables.devices);
  const revocations = new RevocationStore(clients.dynamo, config.tables.c2d);
  const connections = new ConnectionStore(clients.dynamo, config.tables.connections);
  const frameSink = new SocketPusher();

  const auth = new Authenticator(
    {
      getDevice: (id, consistent) => devices.get(id, consistent),
      readChanges: () => changes.read(),
      getPolicy: (name) => policies.get(name),
      // Without it every device token is checked against the registry (DERIVED_KEY_FAST_PATH=off).
      ...(config.deviceAuthCache.derivedKeyFastPath
        ? { loadRevocations: async () => ({ seed: await keySeed.read(), revoked: await revocations.loadAll() }) }
        : {}),
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
  const limiter = new DeviceRateLimiter(config.deviceRateLimitPerSecond);
  const telemetry = new TelemetryService(eventStream);
  const commands = new CommandQueue(
    new DynamoQueueStore(clients.dynamo, config.tables.c2d),
    new FeedbackPublisher(clients.sqs, config.feedbackQueue),
    { maxDeliveryCount: config.c2d.maxDeliveryCount, maxQueueDepth: config.c2d.maxQueueDepth, outboxGraceMs: OUTBOX_GRACE_MS },
    { currentGeneration: async (deviceId) => (await devices.get(deviceId))?.generationId },
  );

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

  // WebSocket: commands pushed over a device's socket, and the socket service itself.
  const commandChannel = new SocketCommandChannel({
    commands,
    store: connections,
    sink: frameSink,
    maxInFlight: config.websocketMaxInFlight,
    lockMs: config.c2d.defaultLockTimeoutSeconds * 1000,
    registered: (deviceId) => devices.get(deviceId),
  });
  const sockets = new SocketService({
    hubName: config.hubName,
    auth,
    limiter,
    store: connections,
    telemetry,
    events: eventStream,
    sink: frameSink,
    commands: commandChannel,
    activity: recordActivity,
  });

  // A deleted device's command queue and socket go with it; a disabled device loses its socket.
  const registry = new RegistryService(
    devices,
    eventStream,
    config.hubName,
    {
      // Every instance's authentication cache learns of the change from the feed within its poll.
      onDeleted: async (device) => {
        await changes.record([device.deviceId]);
        await closeDeviceSocket(connections, frameSink, device.deviceId, 'DeviceDeleted');
        await commands.dropDevice(device.deviceId);
      },
      onUpdated: async (device, authChanged) => {
        // A tags-only update changes nothing authentication holds: no eviction anywhere.
        if (authChanged) await changes.record([device.deviceId]);
        if (device.status !== 'enabled') await closeDeviceSocket(connections, frameSink, device.deviceId, 'DeviceDisabled');
      },
    },
    undefined,
    { seed: () => keySeed.ensure(), revoke: (deviceId) => revocations.revoke(deviceId) },
  );

  const serviceCommands = new ServiceCommands({
    requireDevice: (deviceId) => devices.require(deviceId),
    queue: commands,
    pushToDevice: (deviceId) => pushToConnectedDevice(connections, commandChannel, deviceId),
  });

  // Routing: the router (stream consumer), the routing API's rules, and the dead-letter queue.
  const r = config.routing;
  const routingStore = new RoutingStore(clients.dynamo, config.tables.routing);
  const tags = new DeviceTags(clients.dynamo, config.tables.devices, config.deviceCacheTtlMs);
  const deadLetterQueue = new DeadLetterQueue(clients.sqs, config.routingDeadLetterQueue, {
    maxAttempts: r.maxAttempts + 2,
    baseDelayMs: r.retryBaseDelayMs,
  });
  const router = new Router({
    loadConfig: () => routingStore.loadAll(),
    putHealth: (h) => routingStore.putHealth(h),
    tags: { load: (ids) => tags.load(ids), lookup: tags.lookup },
    senderFor: (endpoint) => senderFor(endpoint, clients),
    deadLetters: deadLetterQueue,
    hubName: config.hubName,
    cacheTtlMs: r.cacheTtlMs,
    maxAttempts: r.maxAttempts,
    retryBaseDelayMs: r.retryBaseDelayMs,
    deadAfterFailures: r.deadAfterFailures,
  });
  const readTags = async (deviceId: string) => {
    await tags.load([deviceId]);
    return tags.lookup(deviceId);
  };
  const endpointPolicy = {
    ownResources: [config.eventsStream, config.feedbackQueue, config.routingDeadLetterQueue, config.routerFailureQueue],
    allowedNames: r.endpointNames,
  };
  const routing = new RoutingService(routingStore, endpointProbe(clients), readTags, endpointPolicy);

  return {
    config,
    auth,
    registry,
    telemetry,
    commands,
    serviceCommands,
    feedback: {
      locks: new FeedbackLocks(clients.sqs, config.feedbackQueue),
      forSender: new FeedbackReader(clients.sqs, config.feedbackQueue),
    },
    events: new EventsReader(clients.kinesis, config.eventsStream),
    routing,
    router,
    deadLetters: {
      list: (top, endpoint) => listDeadLetters(deadLetterQueue, top, endpoint),
      redrive: (opts) =>
        redrive(
          { queue: deadLetterQueue, endpoints: () => routingStore.listEndpoints(), deliverTo: (e, m) => router.deliverTo(e, m) },
          opts,
        ),
    },
    sockets,
    frameSink,
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
