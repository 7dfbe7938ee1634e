/** WebSocket $connect: authenticate the device's SAS token; refuse with 401 otherwise. */
import middy from '@middy/core';
import { createAwsClients } from '../lib/adapters/aws/awsClients';
import { observability } from '../lib/http/middleware';
import { loadConfig } from '../lib/config';
import { isHubError } from '../lib/errors';
import { errorFields, log } from '../lib/log';
import { createSocketService } from '../lib/ws/compose';
import { connectAuthorization, managementEndpoint, type WsEvent } from '../lib/ws/wsEvent';

const config = loadConfig();
const sockets = createSocketService(config, createAwsClients());

async function connect(event: WsEvent) {
  try {
    await sockets.connect(
      event.requestContext.connectionId,
      connectAuthorization(event),
      managementEndpoint(event, config.websocketManagementEndpoint),
    );
    return { statusCode: 200 };
  } catch (err) {
    if (isHubError(err) && err.status < 500) return { statusCode: err.status };
    log.error('websocket connect failed', errorFields(err));
    return { statusCode: 500 };
  }
}

export const handler = middy(connect).use(observability());
