/**
 * Dispatch on API Gateway's route key ("POST /devices/{id}/messages/events"); function URL
 * events, which have none, are routed by method and raw path (./functionUrl.ts).
 */
import { NotFoundError } from '../errors';
import { isFunctionUrlEvent, matchRoute } from './functionUrl';
import type { HttpEvent } from './request';
import type { HttpResult } from './response';

export type RouteHandler = (event: HttpEvent) => Promise<HttpResult>;

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
    if (!handler) throw new NotFoundError(`No route for ${event.routeKey}`, 'NotFound');
    return handler(event);
  };
}
