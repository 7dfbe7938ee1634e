/** The service side of cloud-to-device: send a command, purge a device's queue, read feedback. ServiceConnect policies only. */
import middy from '@middy/core';
import { createAwsClients } from '../lib/adapters/aws/awsClients';
import { FEEDBACK_CONTENT_TYPE } from '../lib/adapters/aws/c2d/feedbackQueue';
import type { Authenticator } from '../lib/auth';
import { parseSendRequest, unquoteLockToken } from '../lib/c2d/wire';
import { loadConfig, type HubConfig } from '../lib/config';
import { BadRequestError } from '../lib/errors';
import { createHub, type Hub } from '../lib/hub';
import { httpDeadline, observability } from '../lib/http/middleware';
import { httpPlumbing } from '../lib/http/plumbing';
import { headers, jsonBody, pathParam, rawBody, type HttpEvent } from '../lib/http/request';
import { binary, json, noContent } from '../lib/http/response';
import { routeTable } from '../lib/http/routes';

/** The use cases this handler needs: the hub's, or fakes in its unit test. */
export interface CommandsApiDeps {
  config: Pick<HubConfig, 'c2d'>;
  auth: Pick<Authenticator, 'authenticateService'>;
  serviceCommands: Pick<Hub['serviceCommands'], 'send' | 'purge' | 'list'>;
  feedback: Hub['feedback'];
}

async function sendCommand(hub: CommandsApiDeps, event: HttpEvent) {
  const h = headers(event);
  await hub.auth.authenticateService(h.authorization, 'ServiceConnect');
  const request = parseSendRequest(h, rawBody(event), Date.now(), hub.config.c2d);
  // Durably queued, then offered to the device's socket if it holds one.
  const record = await hub.serviceCommands.send(pathParam(event, 'id'), request);
  return json(202, { messageId: record.messageId, sequenceNumber: record.sequenceNumber });
}

async function purgeCommands(hub: CommandsApiDeps, event: HttpEvent) {
  const h = headers(event);
  await hub.auth.authenticateService(h.authorization, 'ServiceConnect');
  const deviceId = pathParam(event, 'id');
  const totalMessagesPurged = await hub.serviceCommands.purge(deviceId);
  return json(200, { deviceId, totalMessagesPurged });
}

/** IoT Hub's HTTPS feedback receiver: one feedback batch, locked (ETag) for the lock timeout; 204 when none. */
async function receiveFeedback(hub: CommandsApiDeps, event: HttpEvent) {
  await hub.auth.authenticateService(headers(event).authorization, 'ServiceConnect');
  const batch = await hub.feedback.locks.receive(hub.config.c2d.defaultLockTimeoutSeconds);
  if (!batch) return noContent();
  return binary(200, Buffer.from(batch.body, 'utf8'), {
    'content-type': FEEDBACK_CONTENT_TYPE,
    etag: `"${batch.lockToken}"`,
    'iothub-enqueuedtime': batch.enqueuedTimeUtc,
  });
}

async function completeFeedback(hub: CommandsApiDeps, event: HttpEvent) {
  await hub.auth.authenticateService(headers(event).authorization, 'ServiceConnect');
  await hub.feedback.locks.complete(unquoteLockToken(pathParam(event, 'lockToken')));
  return noContent();
}

async function abandonFeedback(hub: CommandsApiDeps, event: HttpEvent) {
  await hub.auth.authenticateService(headers(event).authorization, 'ServiceConnect');
  await hub.feedback.locks.abandon(unquoteLockToken(pathParam(event, 'lockToken')));
  return noContent();
}

async function listCommands(hub: CommandsApiDeps, event: HttpEvent) {
  await hub.auth.authenticateService(headers(event).authorization, 'ServiceConnect');
  return json(200, await hub.serviceCommands.list(pathParam(event, 'id')));
}

/**
 * Takes the feedback records of the named commands off the feedback queue (one receive of up
 * to 10 records; others are put back at once). For a client that follows its own commands.
 */
async function receiveFeedbackForSender(hub: CommandsApiDeps, event: HttpEvent) {
  await hub.auth.authenticateService(headers(event).authorization, 'ServiceConnect');
  const ids = (jsonBody(event) as { originalMessageIds?: unknown } | null)?.originalMessageIds;
  if (!Array.isArray(ids) || ids.length === 0 || ids.length > 100 || !ids.every((id) => typeof id === 'string' && id.length <= 128))
    throw new BadRequestError('"originalMessageIds" must be an array of 1..100 message ids');
  const wanted = new Set(ids as string[]);
  return json(200, await hub.feedback.forSender.receive({ keep: (r) => wanted.has(r.originalMessageId) }));
}

export const makeHandler = (hub: CommandsApiDeps) =>
  middy(
    routeTable({
      'POST /devices/{id}/messages/devicebound': (event) => sendCommand(hub, event),
      'DELETE /devices/{id}/commands': (event) => purgeCommands(hub, event),
      'GET /messages/serviceBound/feedback': (event) => receiveFeedback(hub, event),
      'DELETE /messages/serviceBound/feedback/{lockToken}': (event) => completeFeedback(hub, event),
      'POST /messages/serviceBound/feedback/{lockToken}/abandon': (event) => abandonFeedback(hub, event),
      'GET /devices/{id}/commands': (event) => listCommands(hub, event),
      'POST /feedback/receive': (event) => receiveFeedbackForSender(hub, event),
    }),
    httpDeadline,
  )
    .use(observability())
    .use(httpPlumbing());

export const handler = makeHandler(createHub(loadConfig(), createAwsClients()));
