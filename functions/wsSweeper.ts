/**
 * Scheduled: closes WebSocket connections whose authentication no longer holds (token expired,
 * device disabled, deleted or re-created, signing key regenerated), quiet ones included. Active
 * connections are also checked on every frame (lib/ws/socketService.ts).
 */
import middy from '@middy/core';
import { createAwsClients } from '../lib/adapters/aws/awsClients';
import { loadConfig } from '../lib/config';
import { observability } from '../lib/http/middleware';
import { log } from '../lib/log';
import { createHub, type Hub } from '../lib/hub';

/** The use cases this handler needs: the hub's, or fakes in its unit test. */
export interface WsSweeperDeps {
  sockets: Pick<Hub['sockets'], 'sweep'>;
}

async function sweep(hub: WsSweeperDeps) {
  const closed = await hub.sockets.sweep();
  if (closed > 0) log.info('websocket sweep', { closed });
  return { closed };
}

// Like every function: Logger context, tracing, and the metrics the sweep records (pushes that fail
// while closing, disconnects) published at the end of the invocation, plus ColdStart.
export const makeHandler = (hub: WsSweeperDeps) => middy(() => sweep(hub)).use(observability());

export const handler = makeHandler(createHub(loadConfig(), createAwsClients()));
