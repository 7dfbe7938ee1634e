/**
 * Reading the built-in endpoint over HTTPS: `GET /events`. The caller keeps the position the
 * answer carries and sends it back; the hub keeps nothing per reader. ServiceConnect, because
 * it returns message data. The web console's live telemetry uses it.
 */
import middy from '@middy/core';
import { createAwsClients } from '../lib/adapters/aws/awsClients';
import type { Authenticator } from '../lib/auth';
import { loadConfig } from '../lib/config';
import { BadRequestError, ThrottledError } from '../lib/errors';
import { decodePosition, encodePosition, InvalidPositionError, type StreamPosition } from '../lib/events/position';
import { createHub, type Hub } from '../lib/hub';
import { httpDeadline, observability } from '../lib/http/middleware';
import { httpPlumbing } from '../lib/http/plumbing';
import { headers, query, type HttpEvent } from '../lib/http/request';
import { json } from '../lib/http/response';
import { routeTable } from '../lib/http/routes';
import { isDeviceId } from '../lib/registry/device';

/** The use cases this handler needs: the hub's, or fakes in its unit test. */
export interface EventsApiDeps {
  auth: Pick<Authenticator, 'authenticateService'>;
  events: Hub['events'];
}

/** Lambda answers at most 6 MB; base64 envelopes of up to 256 KB messages stay well under this. */
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

function positionFrom(event: HttpEvent): StreamPosition | undefined {
  const raw = query(event, 'position');
  if (raw === undefined || raw === '') return undefined;
  try {
    return decodePosition(raw);
  } catch (err) {
    if (err instanceof InvalidPositionError) throw new BadRequestError(`position is invalid: ${err.message}`);
    throw err;
  }
}

async function readEvents(hub: EventsApiDeps, event: HttpEvent) {
  await hub.auth.authenticateService(headers(event).authorization, 'ServiceConnect');
  const deviceId = query(event, 'deviceId');
  if (deviceId !== undefined && !isDeviceId(deviceId)) throw new BadRequestError('deviceId is not a valid device id');
  const rawTop = query(event, 'top') ?? '100';
  const top = Number(rawTop);
  if (!Number.isInteger(top) || top < 1 || top > 1000) throw new BadRequestError('top must be an integer in 1..1000');
  const from = query(event, 'from');
  let position = positionFrom(event);
  let result;
  try {
    result = await hub.events.read({ position, from, deviceId, limit: top, maxBytes: MAX_RESPONSE_BYTES, nowMs: Date.now() });
  } catch (err) {
    if (err instanceof InvalidPositionError) throw new BadRequestError(err.message);
    // Kinesis allows 5 reads per second per shard, shared with the router: tell the caller to back off.
    const name = (err as Error).name;
    if (name === 'ProvisionedThroughputExceededException' || name === 'LimitExceededException') throw new ThrottledError(1);
    throw err;
  }
  position = result.position;
  return json(200, { messages: result.messages, position: encodePosition(position), millisBehindLatest: result.millisBehindLatest });
}

export const makeHandler = (hub: EventsApiDeps) =>
  middy(routeTable({ 'GET /events': (event) => readEvents(hub, event) }), httpDeadline)
    .use(observability())
    .use(httpPlumbing());

export const handler = makeHandler(createHub(loadConfig(), createAwsClients()));
