/**
 * Scheduled: closes WebSocket connections whose authentication no longer holds (token expired,
 * device disabled, deleted or re-created, signing key regenerated), quiet ones included. Active
 * connections are also checked on every frame (lib/ws/socketService.ts).
 */
import middy from '@middy/core';
import { createAwsClients } from '../lib/adapters/aws/awsClients';
import { loadConfig } from '../lib/config';
import { log } from '../lib/log';
import { createSocketService } from '../lib/ws/compose';

const sockets = createSocketService(loadConfig(), createAwsClients());

async function sweep() {
  const closed = await sockets.sweep();
  if (closed > 0) log.info('websocket sweep', { closed });
  return { closed };
}

export const handler = middy(sweep);
