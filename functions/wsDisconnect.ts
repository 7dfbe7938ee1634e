/** WebSocket $disconnect: forget the connection and emit deviceDisconnected. */
import middy from '@middy/core';
import { createAwsClients } from '../lib/adapters/aws/awsClients';
import { observability } from '../lib/http/middleware';
import { loadConfig } from '../lib/config';
import { createHub, type Hub } from '../lib/hub';
import type { WsEvent } from '../lib/ws/wsEvent';

/** The use cases this handler needs: the hub's, or fakes in its unit test. */
export interface WsDisconnectDeps {
  sockets: Pick<Hub['sockets'], 'disconnect'>;
}

async function disconnect(hub: WsDisconnectDeps, event: WsEvent) {
  // An error here propagates: Lambda logs it, and the connection TTL cleans up regardless.
  await hub.sockets.disconnect(event.requestContext.connectionId);
  return { statusCode: 200 };
}

export const makeHandler = (hub: WsDisconnectDeps) => middy((event: WsEvent) => disconnect(hub, event)).use(observability());

export const handler = makeHandler(createHub(loadConfig(), createAwsClients()));
