/** The rules of the routing API: validation, limits, references between items, route tests. */
import type { Envelope } from '../envelope';
import { BadRequestError, ConflictError, NotFoundError } from '../errors';
import { fromEnvelope } from '../query';
import { compileRouteCondition } from './conditions';
import { checkEndpointResource, type EndpointNamePolicy } from './endpointGuard';
import { initialHealth } from './health';
import { LIMITS, type Endpoint, type EndpointType, type EndpointHealth, type Enrichment, type FallbackRoute, type Route } from './model';
import { parseTarget } from './targets';
import { parseTestMessage } from './testMessage';
import {
  parseEndpointInput,
  parseEnrichmentInput,
  parseFallbackInput,
  parseRouteInput,
  validateEndpointName,
  validateEnrichmentKey,
  validateName,
} from './validation';

/** Port: where the routing configuration is kept (lib/adapters/aws/routing/routingStore.ts). */
export interface RoutingConfigStore {
  listEndpoints(): Promise<Endpoint[]>;
  getEndpoint(name: string): Promise<Endpoint | undefined>;
  putEndpoint(endpoint: Endpoint): Promise<void>;
  deleteEndpoint(name: string): Promise<boolean>;
  listRoutes(): Promise<Route[]>;
  getRoute(name: string): Promise<Route | undefined>;
  putRoute(route: Route): Promise<void>;
  deleteRoute(name: string): Promise<boolean>;
  getFallback(): Promise<FallbackRoute | undefined>;
  putFallback(fallback: FallbackRoute): Promise<void>;
  deleteFallback(): Promise<boolean>;
  listEnrichments(endpoint?: string): Promise<Enrichment[]>;
  putEnrichment(enrichment: Enrichment): Promise<void>;
  deleteEnrichment(endpoint: string, key: string): Promise<boolean>;
  listHealth(): Promise<EndpointHealth[]>;
  deleteHealth(endpoint: string): Promise<boolean>;
}

/**
 * Port: checks that an endpoint's target exists and is reachable; answers the address the
 * router sends to (queue URL or stream name), or throws a BadRequestError.
 */
export type ProbeTarget = (type: EndpointType, target: string) => Promise<string>;

export interface TwinTagReader {
  (deviceId: string): Promise<Record<string, unknown> | undefined>;
}

export class RoutingService {
  constructor(
    private readonly store: RoutingConfigStore,
    private readonly probe: ProbeTarget,
    private readonly readTags: TwinTagReader,
    private readonly endpointPolicy: EndpointNamePolicy,
    private readonly now: () => Date = () => new Date(),
  ) {}

  // --- endpoints ---------------------------------------------------------------------------

  async putEndpoint(rawName: string, body: unknown): Promise<{ endpoint: Endpoint; created: boolean }> {
    const name = validateEndpointName(rawName);
    const input = parseEndpointInput(body);
    const existing = await this.store.getEndpoint(name);
    if (!existing && (await this.store.listEndpoints()).length >= LIMITS.endpoints) {
      throw new BadRequestError(`At most ${LIMITS.endpoints} custom endpoints are allowed`, 'EndpointLimitExceeded');
    }
    checkEndpointResource(this.endpointPolicy, parseTarget(input.type, input.target).name);
    const address = await this.probe(input.type, input.target);
    const t = this.now().toISOString();
    const endpoint: Endpoint = {
      name,
      type: input.type,
      target: input.target,
      address,
      createdTime: existing?.createdTime ?? t,
      updatedTime: t,
    };
    await this.store.putEndpoint(endpoint);
    return { endpoint, created: !existing };
  }

  listEndpoints = (): Promise<Endpoint[]> => this.store.listEndpoints();

  async getEndpoint(name: string): Promise<Endpoint> {
    const endpoint = await this.store.getEndpoint(validateName('Endpoint', name));
    if (!endpoint) throw new NotFoundError(`Endpoint ${name} not found`, 'EndpointNotFound');
    return endpoint;
  }

  /** Refused while a route or the fallback uses it; its enrichments and health go with it. */
  async deleteEndpoint(name: string): Promise<void> {
    await this.getEndpoint(name);
    const users = (await this.store.listRoutes()).filter((r) => r.endpoint === name).map((r) => r.name);
    const fallback = await this.store.getFallback();
    if (fallback?.endpoint === name) users.push('$fallback');
    if (users.length > 0) throw new ConflictError(`Endpoint ${name} is used by route(s) ${users.join(', ')}`, 'EndpointInUse');
    for (const e of await this.store.listEnrichments(name)) await this.store.deleteEnrichment(name, e.key);
    await this.store.deleteHealth(name);
    await this.store.deleteEndpoint(name);
  }

  async health(name?: string): Promise<EndpointHealth[]> {
    const endpoints = name === undefined ? await this.store.listEndpoints() : [await this.getEndpoint(name)];
    const stored = new Map((await this.store.listHealth()).map((h) => [h.endpoint, h]));
    return endpoints.map((e) => stored.get(e.name) ?? initialHealth(e.name, new Date(e.createdTime)));
  }

  // --- routes ------------------------------------------------------------------------------

  async putRoute(rawName: string, body: unknown): Promise<{ route: Route; created: boolean }> {
    const name = validateName('Route', rawName);
    const input = parseRouteInput(body);
    await this.requireEndpoint(input.endpoint);
    const existing = await this.store.getRoute(name);
    if (!existing && (await this.store.listRoutes()).length >= LIMITS.routes) {
      throw new BadRequestError(`At most ${LIMITS.routes} routes are allowed`, 'RouteLimitExceeded');
    }
    const route: Route = { name, ...input, updatedTime: this.now().toISOString() };
    await this.store.putRoute(route);
    return { route, created: !existing };
  }

  listRoutes = (): Promise<Route[]> => this.store.listRoutes();

  async getRoute(name: string): Promise<Route> {
    const route = await this.store.getRoute(validateName('Route', name));
    if (!route) throw new NotFoundError(`Route ${name} not found`, 'RouteNotFound');
    return route;
  }

  async deleteRoute(name: string): Promise<void> {
    if (!(await this.store.deleteRoute(validateName('Route', name)))) throw new NotFoundError(`Route ${name} not found`, 'RouteNotFound');
  }

  // --- fallback ----------------------------------------------------------------------------

  async putFallback(body: unknown): Promise<FallbackRoute> {
    const input = parseFallbackInput(body);
    await this.requireEndpoint(input.endpoint);
    const fallback: FallbackRoute = { ...input, updatedTime: this.now().toISOString() };
    await this.store.putFallback(fallback);
    return fallback;
  }

  async getFallback(): Promise<FallbackRoute> {
    const fallback = await this.store.getFallback();
    if (!fallback) throw new NotFoundError('No fallback route is configured', 'RouteNotFound');
    return fallback;
  }

  async deleteFallback(): Promise<void> {
    await this.store.deleteFallback();
  }

  // --- enrichments -------------------------------------------------------------------------

  async putEnrichment(rawEndpoint: string, rawKey: string, body: unknown): Promise<Enrichment> {
    // Names are checked before they become DynamoDB keys (an over-long key is an error there: a 500).
    const endpoint = validateName('Endpoint', rawEndpoint);
    const key = validateEnrichmentKey(rawKey);
    const { value } = parseEnrichmentInput(body);
    await this.requireEndpoint(endpoint);
    const existing = await this.store.listEnrichments(endpoint);
    if (!existing.some((e) => e.key === key) && existing.length >= LIMITS.enrichmentsPerEndpoint) {
      throw new BadRequestError(`At most ${LIMITS.enrichmentsPerEndpoint} enrichments per endpoint are allowed`, 'EnrichmentLimitExceeded');
    }
    const enrichment: Enrichment = { endpoint, key, value, updatedTime: this.now().toISOString() };
    await this.store.putEnrichment(enrichment);
    return enrichment;
  }

  async listEnrichments(endpoint?: string): Promise<Enrichment[]> {
    if (endpoint !== undefined) await this.requireEndpoint(validateName('Endpoint', endpoint));
    return this.store.listEnrichments(endpoint);
  }

  async deleteEnrichment(endpoint: string, key: string): Promise<void> {
    validateName('Endpoint', endpoint);
    validateEnrichmentKey(key);
    if (!(await this.store.deleteEnrichment(endpoint, key))) {
      throw new NotFoundError(`Enrichment ${key} of endpoint ${endpoint} not found`, 'EnrichmentNotFound');
    }
  }

  // --- test --------------------------------------------------------------------------------

  /**
   * POST /routes/test: {"condition": "..."} or {"route": "name"}, plus "message" (an envelope,
   * see testMessage.ts) and optionally "twinTags"; without them the device's registry tags are used.
   */
  async test(body: unknown): Promise<{ result: boolean; route?: string }> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequestError('Request body must be a JSON object');
    const req = body as Record<string, unknown>;
    let condition: string;
    let routeName: string | undefined;
    if (typeof req.route === 'string') {
      const route = await this.getRoute(req.route);
      condition = route.condition;
      routeName = route.name;
    } else if (typeof req.condition === 'string') {
      condition = req.condition;
    } else {
      throw new BadRequestError('Give "condition" (a string) or "route" (a route name)');
    }
    const compiled = compileRouteCondition(condition);
    const envelope: Envelope = parseTestMessage(req.message);
    let tags: Record<string, unknown> | undefined;
    if (req.twinTags !== undefined) {
      if (typeof req.twinTags !== 'object' || req.twinTags === null || Array.isArray(req.twinTags))
        throw new BadRequestError('"twinTags" must be an object');
      tags = req.twinTags as Record<string, unknown>;
    } else if (compiled.usesTwin && envelope.deviceId) {
      tags = await this.readTags(envelope.deviceId);
    }
    return { result: compiled.matches(fromEnvelope(envelope, tags)), ...(routeName ? { route: routeName } : {}) };
  }

  private async requireEndpoint(name: string): Promise<void> {
    if (!(await this.store.getEndpoint(name))) throw new BadRequestError(`Endpoint ${name} does not exist`, 'EndpointNotFound');
  }
}
