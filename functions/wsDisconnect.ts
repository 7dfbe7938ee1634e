/** WebSocket $disconnect: forget the connection and emit deviceDisconnected. */
import middy from '@middy/core';
import { createAwsClients } from '../lib/adapters/aws/awsClients';
import { observability } from '../lib/http/middleware';
import { loadConfig } from '../lib/config';
import { createSocketService } from '../lib/ws/compose';
import type { WsEvent } from '../lib/ws/wsEvent';

const sockets = createSocketService(loadConfig(), createAwsClients());

async function disconnect(event: WsEvent) {
  // An error here propagates: Lambda logs it, and the connection TTL cleans up regardless.
  await sockets.disconnect(event.requestContext.connectionId);
  return { statusCode: 200 };
}

export const handler = middy(disconnect).use(observability());
