/** Builds the WebSocket side of the hub (once per cold start). */
import type { AwsClients } from '../adapters/aws/awsClients';
import { ConnectionStore } from '../adapters/aws/connectionStore';
import { SocketPusher } from '../adapters/aws/socketPusher';
import type { HubConfig } from '../config';
import { createHub, type Hub } from '../hub';
import { pushToConnectedDevice, SocketCommandChannel } from './socketCommands';
import { SocketService } from './socketService';

function commandChannel(hub: Hub, store: ConnectionStore, sink: SocketPusher): SocketCommandChannel {
  return new SocketCommandChannel({
    commands: hub.commands,
    store,
    sink,
    maxInFlight: hub.config.websocketMaxInFlight,
    lockMs: hub.config.c2d.defaultLockTimeoutSeconds * 1000,
    registered: (deviceId) => hub.devices.get(deviceId),
  });
}

export function createSocketService(config: HubConfig, clients: AwsClients): SocketService {
  const hub = createHub(config, clients);
  const store = new ConnectionStore(clients.dynamo, config.tables.connections);
  const sink = new SocketPusher();
  return new SocketService({
    hubName: config.hubName,
    auth: hub.auth,
    limiter: hub.limiter,
    store,
    telemetry: hub.telemetry,
    events: hub.events,
    sink,
    commands: commandChannel(hub, store, sink),
    activity: hub.recordActivity,
  });
}

/** For the send path: `push(deviceId)` offers a connected device its pending commands. */
export function createCommandPush(hub: Hub, clients: AwsClients): (deviceId: string) => Promise<void> {
  const store = new ConnectionStore(clients.dynamo, hub.config.tables.connections);
  const channel = commandChannel(hub, store, new SocketPusher());
  return (deviceId) => pushToConnectedDevice(store, channel, deviceId);
}
