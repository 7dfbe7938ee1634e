/**
 * The routing table compiled for the router: enabled routes per source with their compiled
 * conditions, endpoints by name, compiled enrichments per endpoint. Built once per config
 * load, so evaluating a message never parses anything. Pure.
 */
import type { RoutableMessage } from '../query';
import { compileRouteCondition, type RouteCondition } from './conditions';
import { compileEnrichment, type CompiledEnrichment } from './enrich';
import { ROUTE_SOURCES, type Endpoint, type Route, type RouteSource, type RoutingConfig } from './model';

export interface CompiledRoute {
  route: Route;
  condition: RouteCondition;
}

export const FALLBACK_ROUTE_NAME = '$fallback';

export interface RoutingTable {
  endpoints: ReadonlyMap<string, Endpoint>;
  routesBySource: ReadonlyMap<RouteSource, readonly CompiledRoute[]>;
  /** Endpoint of the enabled fallback route, if any. */
  fallbackEndpoint?: string;
  enrichments: ReadonlyMap<string, readonly CompiledEnrichment[]>;
  /** Sources whose routes read `$twin` (their messages need the device's tags). */
  twinSources: ReadonlySet<RouteSource>;
  /** Stored routes that no longer compile (skipped, reported in logs). */
  invalidRoutes: { name: string; error: string }[];
}

/** Routes compiled earlier, reused when the condition text is unchanged (per-route cache). */
export type ConditionCache = Map<string, { condition: string; compiled: RouteCondition }>;

export function compileRoutingTable(config: RoutingConfig, cache: ConditionCache = new Map()): RoutingTable {
  const endpoints = new Map(config.endpoints.map((e) => [e.name, e]));
  const routesBySource = new Map<RouteSource, CompiledRoute[]>(ROUTE_SOURCES.map((s) => [s, []]));
  const twinSources = new Set<RouteSource>();
  const invalidRoutes: RoutingTable['invalidRoutes'] = [];
  const sorted = [...config.routes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const route of sorted) {
    if (!route.enabled || !endpoints.has(route.endpoint)) continue;
    let condition: RouteCondition;
    const hit = cache.get(route.name);
    if (hit && hit.condition === route.condition) {
      condition = hit.compiled;
    } else {
      try {
        condition = compileRouteCondition(route.condition);
      } catch (err) {
        invalidRoutes.push({ name: route.name, error: err instanceof Error ? err.message : String(err) });
        continue;
      }
      cache.set(route.name, { condition: route.condition, compiled: condition });
    }
    routesBySource.get(route.source)?.push({ route, condition });
    if (condition.usesTwin) twinSources.add(route.source);
  }
  const enrichments = new Map<string, CompiledEnrichment[]>();
  for (const e of config.enrichments) {
    if (!endpoints.has(e.endpoint)) continue;
    const list = enrichments.get(e.endpoint) ?? [];
    list.push(compileEnrichment(e));
    enrichments.set(e.endpoint, list);
  }
  for (const list of enrichments.values()) list.sort((a, b) => (a.key < b.key ? -1 : 1));
  const fallback = config.fallback;
  return {
    endpoints,
    routesBySource,
    ...(fallback?.enabled && endpoints.has(fallback.endpoint) ? { fallbackEndpoint: fallback.endpoint } : {}),
    enrichments,
    twinSources,
    invalidRoutes,
  };
}

/**
 * The endpoints a message goes to, each once, with the routes that chose it (in route name
 * order). Device messages that match no route go to the fallback endpoint, if enabled.
 */
export function matchRoutes(table: RoutingTable, source: RouteSource, msg: RoutableMessage): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const { route, condition } of table.routesBySource.get(source) ?? []) {
    if (!condition.matches(msg)) continue;
    const names = out.get(route.endpoint);
    if (names) names.push(route.name);
    else out.set(route.endpoint, [route.name]);
  }
  if (out.size === 0 && source === 'DeviceMessages' && table.fallbackEndpoint !== undefined) {
    out.set(table.fallbackEndpoint, [FALLBACK_ROUTE_NAME]);
  }
  return out;
}

export function endpointUsesTwin(table: RoutingTable, endpoint: string): boolean {
  return (table.enrichments.get(endpoint) ?? []).some((e) => e.usesTwin);
}
