/**
 * Dispatch on API Gateway's route key ("POST /devices/{id}/messages/events"); function URL
 * events, which have none, are routed by method and raw path (./functionUrl.ts). A gateway route
 * broader than the table's (`GET /devices/{id}/messages/{segment}`: serverless.yml declares one
 * route where two literal spellings would collide) is narrowed to the table's route its path
 * parameters spell.
 */
import { NotFoundError } from '../errors';
import { isFunctionUrlEvent, matchRoute } from './functionUrl';
import type { HttpEvent } from './request';
import type { HttpResult } from './response';

export type RouteHandler = (event: HttpEvent) => Promise<HttpResult>;

const isVariable = (part: string) => part.startsWith('{') && part.endsWith('}');

/**
 * The table route a gateway route key and its (decoded) path parameters stand for: a variable of
 * the gateway route may take the place of a literal of the table's, and must then equal it exactly
 * (case-sensitive, as IoT Hub's paths are); variables in both must have the same name.
 */
export function narrowGatewayRoute(
  routeKeys: Iterable<string>,
  routeKey: string,
  pathParameters: Record<string, string | undefined>,
): { routeKey: string; pathParameters: Record<string, string> } | undefined {
  const [method, template = ''] = routeKey.split(' ');
  const parts = template.split('/');
  for (const candidate of routeKeys) {
    const [candidateMethod, candidateTemplate = ''] = candidate.split(' ');
    const candidateParts = candidateTemplate.split('/');
    if (candidateMethod !== method || candidateParts.length !== parts.length) continue;
    const narrowed: Record<string, string> = {};
    const fits = candidateParts.every((want, i) => {
      const have = parts[i] ?? '';
      if (!isVariable(have)) return want === have;
      const value = pathParameters[have.slice(1, -1)];
      if (value === undefined) return false;
      if (!isVariable(want)) return value === want;
      if (want !== have) return false;
      narrowed[want.slice(1, -1)] = value;
      return true;
    });
    if (fits) return { routeKey: candidate, pathParameters: narrowed };
  }
  return undefined;
}

export function routeTable(routes: Record<string, RouteHandler>): RouteHandler {
  const table = new Map(Object.entries(routes));
  return async (event) => {
    if (isFunctionUrlEvent(event)) {
      const method = event.requestContext.http.method;
      const match = matchRoute(table.keys(), method, event.rawPath);
      const handler = match && table.get(match.routeKey);
      if (!match || !handler) throw new NotFoundError(`No route for ${method} ${event.rawPath}`, 'NotFound');
      const functionUrlHost = event.requestContext.domainName;
      return handler({ ...event, routeKey: match.routeKey, pathParameters: match.pathParameters, functionUrlHost });
    }
    const handler = table.get(event.routeKey);
    if (handler) return handler(event);
    const narrowed = narrowGatewayRoute(table.keys(), event.routeKey, event.pathParameters ?? {});
    const narrowedHandler = narrowed && table.get(narrowed.routeKey);
    if (!narrowed || !narrowedHandler) throw new NotFoundError(`No route for ${event.routeKey} (${event.rawPath})`, 'NotFound');
    return narrowedHandler({ ...event, routeKey: narrowed.routeKey, pathParameters: narrowed.pathParameters });
  };
}
