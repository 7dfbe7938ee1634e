/** The service side of cloud-to-device: send a command, purge a device's queue, read feedback. ServiceConnect policies only. */
import middy from '@middy/core';
import { createAwsClients } from '../lib/aws/clients';
import { FEEDBACK_CONTENT_TYPE, FeedbackLocks, FeedbackReader } from '../lib/c2d/feedbackQueue';
import { parseSendRequest, unquoteLockToken } from '../lib/c2d/wire';
import { loadConfig } from '../lib/config';
import { BadRequestError } from '../lib/errors';
import { createHub } from '../lib/hub';
import { httpDeadline, observability } from '../lib/http/middleware';
import { httpPlumbing } from '../lib/http/plumbing';
import { headers, jsonBody, pathParam, rawBody, type HttpEvent } from '../lib/http/request';
import { binary, json, noContent } from '../lib/http/response';
import { routeTable } from '../lib/http/routes';
import { validateDeviceId } from '../lib/registry/device';
import { createCommandPush } from '../lib/ws/compose';

const clients = createAwsClients();
const hub = createHub(loadConfig(), clients);
const pushToDevice = createCommandPush(hub, clients);
const feedback = new FeedbackLocks(clients.sqs, hub.config.feedbackQueue);
const feedbackForSender = new FeedbackReader(clients.sqs, hub.config.feedbackQueue);

async function sendCommand(event: HttpEvent) {
  const h = headers(event);
  await hub.auth.authenticateService(h.authorization, 'ServiceConnect');
  const request = parseSendRequest(h, rawBody(event), Date.now(), hub.config.c2d);
  const device = await hub.devices.require(validateDeviceId(pathParam(event, 'id')));
  const record = await hub.commands.send(device, request.content, request.body, request.expiresAtMs);
  // Durably queued: now offer it to the device's socket, if it holds one.
  await pushToDevice(device.deviceId);
  return json(202, { messageId: record.messageId, sequenceNumber: record.sequenceNumber });
}

async function purgeCommands(event: HttpEvent) {
  const h = headers(event);
  await hub.auth.authenticateService(h.authorization, 'ServiceConnect');
  const deviceId = validateDeviceId(pathParam(event, 'id'));
  await hub.devices.require(deviceId);
  const totalMessagesPurged = await hub.commands.purge(deviceId);
  return json(200, { deviceId, totalMessagesPurged });
}

/** IoT Hub's HTTPS feedback receiver: one feedback batch, locked (ETag) for the lock timeout; 204 when none. */
async function receiveFeedback(event: HttpEvent) {
  await hub.auth.authenticateService(headers(event).authorization, 'ServiceConnect');
  const batch = await feedback.receive(hub.config.c2d.defaultLockTimeoutSeconds);
  if (!batch) return noContent();
  return binary(200, Buffer.from(batch.body, 'utf8'), {
    'content-type': FEEDBACK_CONTENT_TYPE,
    etag: `"${batch.lockToken}"`,
    'iothub-enqueuedtime': batch.enqueuedTimeUtc,
  });
}

async function completeFeedback(event: HttpEvent) {
  await hub.auth.authenticateService(headers(event).authorization, 'ServiceConnect');
  await feedback.complete(unquoteLockToken(pathParam(event, 'lockToken')));
  return noContent();
}

async function abandonFeedback(event: HttpEvent) {
  await hub.auth.authenticateService(headers(event).authorization, 'ServiceConnect');
  await feedback.abandon(unquoteLockToken(pathParam(event, 'lockToken')));
  return noContent();
}

async function listCommands(event: HttpEvent) {
  await hub.auth.authenticateService(headers(event).authorization, 'ServiceConnect');
  const deviceId = validateDeviceId(pathParam(event, 'id'));
  await hub.devices.require(deviceId);
  return json(200, await hub.commands.list(deviceId));
}

/**
 * Takes the feedback records of the named commands off the feedback queue (one receive of up
 * to 10 records; others are put back at once). For a client that follows its own commands.
 */
async function receiveFeedbackForSender(event: HttpEvent) {
  await hub.auth.authenticateService(headers(event).authorization, 'ServiceConnect');
  const ids = (jsonBody(event) as { originalMessageIds?: unknown } | null)?.originalMessageIds;
  if (!Array.isArray(ids) || ids.length === 0 || ids.length > 100 || !ids.every((id) => typeof id === 'string' && id.length <= 128))
    throw new BadRequestError('"originalMessageIds" must be an array of 1..100 message ids');
  const wanted = new Set(ids as string[]);
  return json(200, await feedbackForSender.receive({ keep: (r) => wanted.has(r.originalMessageId) }));
}

export const handler = middy(
  routeTable({
    'POST /devices/{id}/messages/devicebound': sendCommand,
    'DELETE /devices/{id}/commands': purgeCommands,
    'GET /messages/serviceBound/feedback': receiveFeedback,
    'DELETE /messages/serviceBound/feedback/{lockToken}': completeFeedback,
    'POST /messages/serviceBound/feedback/{lockToken}/abandon': abandonFeedback,
    'GET /devices/{id}/commands': listCommands,
    'POST /feedback/receive': receiveFeedbackForSender,
  }),
  httpDeadline,
)
  .use(observability())
  .use(httpPlumbing());
