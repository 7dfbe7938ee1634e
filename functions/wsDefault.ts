/**
 * WebSocket $default: every device frame (send, sendBatch, receive, complete, reject, abandon,
 * ping). API Gateway ignores a $default route's answer, so the function answers 200; a failure
 * is made visible where it can be: an error frame to the device (ServiceUnavailable: retry) and
 * an error-level log line and the metric `WsFrameFailures`. A frame that
 * cannot finish before the function's deadline is counted the same way (no frame: the device's
 * own ack timeout tells it).
 */
import middy from '@middy/core';
import { createAwsClients } from '../lib/adapters/aws/awsClients';
import { loadConfig, type HubConfig } from '../lib/config';
import { ServiceUnavailableError } from '../lib/errors';
import { DEADLINE_MARGIN_MS, observability } from '../lib/http/middleware';
import { errorFields, log } from '../lib/log';
import { metrics } from '../lib/metrics';
import { createHub, type Hub } from '../lib/hub';
import { errorReply } from '../lib/ws/protocol';
import { managementEndpoint, type WsEvent } from '../lib/ws/wsEvent';

/** The use cases this handler needs: the hub's, or fakes in its unit test. */
export interface WsDefaultDeps {
  sockets: Pick<Hub['sockets'], 'frame'>;
  frameSink: Pick<Hub['frameSink'], 'post'>;
  config: Pick<HubConfig, 'websocketManagementEndpoint'>;
}

/** Best effort: the device learns that its frame was not handled (the socket may be gone). */
async function tellDevice(hub: WsDefaultDeps, event: WsEvent): Promise<void> {
  const endpoint = managementEndpoint(event, hub.config.websocketManagementEndpoint);
  const reply = errorReply(new ServiceUnavailableError('The hub could not handle the frame; retry it'));
  await hub.frameSink.post(endpoint, event.requestContext.connectionId, reply).catch(() => undefined);
}

async function frame(hub: WsDefaultDeps, event: WsEvent) {
  const body = event.isBase64Encoded && event.body ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  try {
    await hub.sockets.frame(event.requestContext.connectionId, body, managementEndpoint(event, hub.config.websocketManagementEndpoint));
  } catch (err) {
    log.error('websocket frame failed', errorFields(err));
    metrics.add('WsFrameFailures', 1);
    await tellDevice(hub, event);
  }
  return { statusCode: 200 };
}

export const makeHandler = (hub: WsDefaultDeps) =>
  middy((event: WsEvent) => frame(hub, event), {
    timeoutEarlyInMillis: DEADLINE_MARGIN_MS,
    // No event here to answer the device with: the metric and the log line carry it.
    timeoutEarlyResponse: () => {
      log.error('websocket frame did not finish before the deadline');
      metrics.add('WsFrameFailures', 1);
      metrics.flush(); // rare and alarmed on: published now, not with the aggregation window
      return { statusCode: 200 };
    },
  }).use(observability());

export const handler = makeHandler(createHub(loadConfig(), createAwsClients()));
