/** WebSocket $connect: authenticate the device's SAS token; refuse with 401 otherwise. */
import middy from '@middy/core';
import { createAwsClients } from '../lib/adapters/aws/awsClients';
import { observability } from '../lib/http/middleware';
import { loadConfig, type HubConfig } from '../lib/config';
import { isHubError } from '../lib/errors';
import { errorFields, log } from '../lib/log';
import { createHub, type Hub } from '../lib/hub';
import { connectAuthorization, managementEndpoint, type WsEvent } from '../lib/ws/wsEvent';

/** The use cases this handler needs: the hub's, or fakes in its unit test. */
export interface WsConnectDeps {
  sockets: Pick<Hub['sockets'], 'connect'>;
  config: Pick<HubConfig, 'websocketManagementEndpoint'>;
}

async function connect(hub: WsConnectDeps, event: WsEvent) {
  try {
    await hub.sockets.connect(
      event.requestContext.connectionId,
      connectAuthorization(event),
      managementEndpoint(event, hub.config.websocketManagementEndpoint),
    );
    return { statusCode: 200 };
  } catch (err) {
    if (isHubError(err) && err.status < 500) return { statusCode: err.status };
    log.error('websocket connect failed', errorFields(err));
    return { statusCode: 500 };
  }
}

export const makeHandler = (hub: WsConnectDeps) => middy((event: WsEvent) => connect(hub, event)).use(observability());

export const handler = makeHandler(createHub(loadConfig(), createAwsClients()));
