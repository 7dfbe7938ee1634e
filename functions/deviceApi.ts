/** The device-facing HTTPS API (IoT Hub's device contract). */
import middy from '@middy/core';
import { createAwsClients } from '../lib/aws/clients';
import { loadConfig } from '../lib/config';
import { parseTelemetryRequest } from '../lib/d2c/telemetry';
import { createHub } from '../lib/hub';
import { hubErrors } from '../lib/http/middleware';
import { headers, pathParam, rawBody, type HttpEvent } from '../lib/http/request';
import { noContent } from '../lib/http/response';
import { routeTable } from '../lib/http/routes';

const hub = createHub(loadConfig(), createAwsClients());

async function sendEvents(event: HttpEvent) {
  const deviceId = pathParam(event, 'id');
  const h = headers(event);
  const device = await hub.auth.authenticateDevice(h.authorization, deviceId);
  const messages = parseTelemetryRequest(h['content-type'], h, rawBody(event));
  await hub.telemetry.accept(device, messages, 'https');
  return noContent();
}

export const handler = middy(
  routeTable({
    'POST /devices/{id}/messages/events': sendEvents,
  }),
).use(hubErrors());
