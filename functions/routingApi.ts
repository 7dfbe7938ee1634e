/**
 * The routing REST API: custom endpoints, routes, the fallback route, enrichments, endpoint
 * health, route tests and the routing dead-letter queue. Policy-authenticated:
 * RegistryWrite to change the configuration, RegistryRead to read it (health included),
 * ServiceConnect for route tests and dead letters (they carry message data).
 */
import middy from '@middy/core';
import { createAwsClients } from '../lib/adapters/aws/awsClients';
import { loadConfig } from '../lib/config';
import { BadRequestError } from '../lib/errors';
import type { Authenticator } from '../lib/auth';
import { createHub, type Hub } from '../lib/hub';
import { httpDeadline, observability } from '../lib/http/middleware';
import { httpPlumbing } from '../lib/http/plumbing';
import { headers, jsonBody, pathParam, query, textBody, type HttpEvent } from '../lib/http/request';
import { json, noContent } from '../lib/http/response';
import { routeTable } from '../lib/http/routes';
import type { Permission } from '../lib/policies';

/** The use cases this handler needs: the hub's, or fakes in its unit test. */
export interface RoutingApiDeps {
  auth: Pick<Authenticator, 'authenticateService'>;
  routing: Hub['routing'];
  deadLetters: Hub['deadLetters'];
}

async function authorize(hub: RoutingApiDeps, event: HttpEvent, permission: Permission): Promise<void> {
  await hub.auth.authenticateService(headers(event).authorization, permission);
}

function intQuery(event: HttpEvent, name: string, fallback: number, min: number, max: number): number {
  const raw = query(event, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new BadRequestError(`${name} must be an integer in ${min}..${max}`);
  return n;
}

/** An optional JSON object body: absent is `{}`; anything but an object (`null` too) is a 400. */
function optionalJsonObject(event: HttpEvent): Record<string, unknown> {
  const text = textBody(event);
  if (text === undefined || text.trim() === '') return {};
  const value = jsonBody(event);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new BadRequestError('Request body must be a JSON object');
  return value as Record<string, unknown>;
}

const api = (hub: RoutingApiDeps, service = hub.routing) =>
  routeTable({
    'PUT /endpoints/{name}': async (event) => {
      await authorize(hub, event, 'RegistryWrite');
      const { endpoint, created } = await service.putEndpoint(pathParam(event, 'name'), jsonBody(event));
      return json(created ? 201 : 200, endpoint);
    },
    'GET /endpoints': async (event) => {
      await authorize(hub, event, 'RegistryRead');
      return json(200, await service.listEndpoints());
    },
    'GET /endpoints/{name}': async (event) => {
      await authorize(hub, event, 'RegistryRead');
      return json(200, await service.getEndpoint(pathParam(event, 'name')));
    },
    'DELETE /endpoints/{name}': async (event) => {
      await authorize(hub, event, 'RegistryWrite');
      await service.deleteEndpoint(pathParam(event, 'name'));
      return noContent();
    },
    'GET /endpoints/{name}/health': async (event) => {
      await authorize(hub, event, 'RegistryRead');
      const [health] = await service.health(pathParam(event, 'name'));
      return json(200, health);
    },
    'GET /routing/health': async (event) => {
      await authorize(hub, event, 'RegistryRead');
      return json(200, await service.health());
    },
    'PUT /routes/{name}': async (event) => {
      await authorize(hub, event, 'RegistryWrite');
      const { route, created } = await service.putRoute(pathParam(event, 'name'), jsonBody(event));
      return json(created ? 201 : 200, route);
    },
    'GET /routes': async (event) => {
      await authorize(hub, event, 'RegistryRead');
      return json(200, await service.listRoutes());
    },
    'GET /routes/{name}': async (event) => {
      await authorize(hub, event, 'RegistryRead');
      return json(200, await service.getRoute(pathParam(event, 'name')));
    },
    'DELETE /routes/{name}': async (event) => {
      await authorize(hub, event, 'RegistryWrite');
      await service.deleteRoute(pathParam(event, 'name'));
      return noContent();
    },
    'POST /routes/test': async (event) => {
      await authorize(hub, event, 'ServiceConnect');
      return json(200, await service.test(jsonBody(event)));
    },
    'PUT /routing/fallback': async (event) => {
      await authorize(hub, event, 'RegistryWrite');
      return json(200, await service.putFallback(jsonBody(event)));
    },
    'GET /routing/fallback': async (event) => {
      await authorize(hub, event, 'RegistryRead');
      return json(200, await service.getFallback());
    },
    'DELETE /routing/fallback': async (event) => {
      await authorize(hub, event, 'RegistryWrite');
      await service.deleteFallback();
      return noContent();
    },
    'PUT /endpoints/{name}/enrichments/{key}': async (event) => {
      await authorize(hub, event, 'RegistryWrite');
      return json(200, await service.putEnrichment(pathParam(event, 'name'), pathParam(event, 'key'), jsonBody(event)));
    },
    'DELETE /endpoints/{name}/enrichments/{key}': async (event) => {
      await authorize(hub, event, 'RegistryWrite');
      await service.deleteEnrichment(pathParam(event, 'name'), pathParam(event, 'key'));
      return noContent();
    },
    'GET /enrichments': async (event) => {
      await authorize(hub, event, 'RegistryRead');
      return json(200, await service.listEnrichments(query(event, 'endpoint')));
    },
    'GET /routing/deadletters': async (event) => {
      await authorize(hub, event, 'ServiceConnect');
      return json(200, await hub.deadLetters.list(intQuery(event, 'top', 100, 1, 1000), query(event, 'endpoint')));
    },
    'POST /routing/deadletters/redrive': async (event) => {
      await authorize(hub, event, 'ServiceConnect');
      const body = optionalJsonObject(event);
      if (body.endpoint !== undefined && typeof body.endpoint !== 'string') throw new BadRequestError('"endpoint" must be a string');
      const max = body.max === undefined ? 500 : Number(body.max);
      if (!Number.isInteger(max) || max < 1 || max > 10_000) throw new BadRequestError('"max" must be an integer in 1..10000');
      // Well inside the function timeout (29 s, API Gateway's limit); callers repeat while `remaining`.
      const budgetMs = 20_000;
      const result = await hub.deadLetters.redrive({
        ...(body.endpoint !== undefined ? { endpoint: body.endpoint } : {}),
        max,
        deadlineMs: Date.now() + budgetMs,
      });
      return json(200, result);
    },
  });

export const makeHandler = (hub: RoutingApiDeps) => middy(api(hub), httpDeadline).use(observability()).use(httpPlumbing());

export const handler = makeHandler(createHub(loadConfig(), createAwsClients()));
