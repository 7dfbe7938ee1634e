/** Builds the socket service for the WebSocket handlers (once per cold start). */
import type { AwsClients } from '../aws/clients';
import { ConnectionStore } from '../aws/connectionStore';
import { SocketPusher } from '../aws/socketPusher';
import type { HubConfig } from '../config';
import { createHub } from '../hub';
import { SocketService } from './socketService';

export function createSocketService(config: HubConfig, clients: AwsClients): SocketService {
  const hub = createHub(config, clients);
  return new SocketService({
    hubName: config.hubName,
    auth: hub.auth,
    store: new ConnectionStore(clients.dynamo, config.tables.connections),
    telemetry: hub.telemetry,
    events: hub.events,
    sink: new SocketPusher(),
  });
}
