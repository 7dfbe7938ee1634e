/**
 * Lambda function URL events: payload format 2.0 without a route (`routeKey` is `$default`,
 * no `pathParameters`). Source: https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html
 * ("Request payload"): `rawPath` and `rawQueryString` as sent, header names lower-cased with
 * repeats joined by commas, cookies in `cookies[]`, binary bodies base64 with
 * `isBase64Encoded: true`, `requestContext.domainName` the URL's host. Requests and responses
 * are limited to 6 MB (the synchronous invocation payload).
 *
 * The device handler routes these itself: the route key API Gateway would have matched is found
 * from the method and `rawPath`, and path parameters are decoded once, as API Gateway delivers them.
 */
import type { HttpEvent } from './request';

/** A function URL event (no route matched by a gateway). */
export function isFunctionUrlEvent(event: HttpEvent): boolean {
  return event.routeKey === '$default' && event.pathParameters === undefined;
}

/**
 * The host a function URL request arrived through, as Lambda reports it: only Lambda sets
 * `requestContext`, and a request reaches this function through its own URL only, so the host is
 * the hub's device front door by construction (the function cannot be told its own URL in its
 * environment: the URL resource depends on the function). Undefined for gateway events.
 */
export function functionUrlHost(event: HttpEvent): string | undefined {
  // routeTable rewrites a routed function URL event's route key, so it carries the host along.
  if (event.functionUrlHost !== undefined) return event.functionUrlHost;
  return isFunctionUrlEvent(event) ? event.requestContext?.domainName : undefined;
}

/**
 * The gateway route (`"GET /devices/{id}/messages/devicebound"`) a method and raw path match,
 * with its decoded path parameters; undefined when none does (or a segment's escape is malformed).
 */
export function matchRoute(
  routeKeys: Iterable<string>,
  method: string,
  rawPath: string,
): { routeKey: string; pathParameters: Record<string, string> } | undefined {
  const segments = rawPath.split('/').slice(1);
  for (const routeKey of routeKeys) {
    const [routeMethod, template = ''] = routeKey.split(' ');
    if (routeMethod !== method.toUpperCase()) continue;
    const parts = template.split('/').slice(1);
    if (parts.length !== segments.length) continue;
    const params: Record<string, string> = {};
    let matched = true;
    for (const [i, part] of parts.entries()) {
      const segment = segments[i] ?? '';
      if (part.startsWith('{') && part.endsWith('}')) {
        const value = decodeSegment(segment);
        if (value === undefined || value === '') {
          matched = false;
          break;
        }
        params[part.slice(1, -1)] = value;
      } else if (part !== segment) {
        matched = false;
        break;
      }
    }
    if (matched) return { routeKey, pathParameters: params };
  }
  return undefined;
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** `id` and `lockToken` of a device API raw path (still encoded), for log correlation before routing. */
export function devicePathParameters(rawPath: string): Record<string, string> {
  const [, devices, id, messages, , lockToken] = rawPath.split('/');
  if (devices !== 'devices' || !id) return {};
  return { id, ...(messages === 'messages' && lockToken ? { lockToken } : {}) };
}
