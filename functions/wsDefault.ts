/** WebSocket $default: every device frame (send, sendBatch, receive, complete, reject, abandon). */
import middy from '@middy/core';
import { createAwsClients } from '../lib/aws/clients';
import { observability } from '../lib/http/middleware';
import { loadConfig } from '../lib/config';
import { errorFields, log } from '../lib/log';
import { createSocketService } from '../lib/ws/compose';
import { managementEndpoint, type WsEvent } from '../lib/ws/wsEvent';

const config = loadConfig();
const sockets = createSocketService(config, createAwsClients());

async function frame(event: WsEvent) {
  const body = event.isBase64Encoded && event.body ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  try {
    await sockets.frame(event.requestContext.connectionId, body, managementEndpoint(event, config.websocketManagementEndpoint));
  } catch (err) {
    // The device already got a nack or error frame where one could be sent; log the cause.
    log.error('websocket frame failed', errorFields(err));
  }
  return { statusCode: 200 };
}

export const handler = middy(frame).use(observability());
