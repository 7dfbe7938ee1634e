/** Dispatch on API Gateway's route key ("POST /devices/{id}/messages/events"). */
import { NotFoundError } from '../errors';
import type { HttpEvent } from './request';
import type { HttpResult } from './response';

export type RouteHandler = (event: HttpEvent) => Promise<HttpResult>;

export function routeTable(routes: Record<string, RouteHandler>): RouteHandler {
  const table = new Map(Object.entries(routes));
  return async (event) => {
    const handler = table.get(event.routeKey);
    if (!handler) throw new NotFoundError(`No route for ${event.routeKey}`, 'NotFound');
    return handler(event);
  };
}
