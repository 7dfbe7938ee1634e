/**
 * Which queues and streams a custom endpoint may target. Pure.
 *
 * - Never one of the hub's own resources (the `events` stream, the feedback queue, the routing
 *   dead-letter queue, `router-failures`): the router would re-route its own output without
 *   bound, or mix routed copies into queues the hub reads as its own records.
 * - Only names matching the endpoint naming convention (`routingEndpointNames`, a glob with `*`;
 *   default `{hub}-ep-*`). The router's and routing API's IAM grants are scoped to the same glob,
 *   so on AWS anything else would fail with AccessDenied; refusing it here makes the local hub
 *   fail the same way, with a reason instead of a permission error.
 */
import { BadRequestError } from '../errors';

export interface EndpointNamePolicy {
  /** Names of the hub's own queues and streams. */
  ownResources: readonly string[];
  /** Glob (`*` = any run of characters) endpoint resource names must match. */
  allowedNames: string;
}

export function globMatches(glob: string, name: string): boolean {
  const pattern = glob
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${pattern}$`).test(name);
}

/** Throws 400 EndpointNotAllowed with the reason when `resourceName` may not be an endpoint. */
export function checkEndpointResource(policy: EndpointNamePolicy, resourceName: string): void {
  // FIFO queues carry the suffix in their name; the convention is about the name before it.
  const bare = resourceName.endsWith('.fifo') ? resourceName.slice(0, -'.fifo'.length) : resourceName;
  const own = policy.ownResources.find((r) => r === resourceName || r === bare);
  if (own !== undefined) {
    throw new BadRequestError(
      `Endpoint target "${resourceName}" is one of the hub's own resources; routing into it would loop or corrupt the hub's records`,
      'EndpointNotAllowed',
    );
  }
  if (!globMatches(policy.allowedNames, resourceName) && !globMatches(policy.allowedNames, bare)) {
    throw new BadRequestError(
      `Endpoint target "${resourceName}" does not match the endpoint naming convention "${policy.allowedNames}" ` +
        '(the routing IAM grants cover only those names; deploy with --param routingEndpointNames=... to widen it)',
      'EndpointNotAllowed',
    );
  }
}

/** A name that follows the convention: the glob's first `*` replaced by `suffix` (tests, benchmarks, docs). */
export function conventionalName(glob: string, suffix: string): string {
  if (!glob.includes('*')) throw new Error(`endpoint naming convention "${glob}" has no "*" to fill`);
  return glob.replace('*', suffix).replaceAll('*', '');
}
