/** Validation of routing API input: names, endpoint types, routes, enrichments, limits. Pure. */
import { BadRequestError } from '../errors';
import { compileRouteCondition } from './conditions';
import { ENDPOINT_TYPES, LIMITS, ROUTE_SOURCES, type EndpointType, type RouteSource } from './model';

const NAME = /^[A-Za-z0-9._-]+$/;
/** Names that would be confusing as custom endpoints: the built-in endpoint's. */
const RESERVED_ENDPOINT_NAMES = new Set(['events', 'messages/events', '$fallback']);
// Enrichment keys become application properties: IoT Hub's property-name characters.
const PROPERTY_NAME = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;

export function validateName(what: string, name: unknown): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > LIMITS.nameLength || !NAME.test(name)) {
    throw new BadRequestError(`${what} name must be 1-${LIMITS.nameLength} characters of A-Z a-z 0-9 . _ -`);
  }
  return name;
}

export function validateEndpointName(name: unknown): string {
  const valid = validateName('Endpoint', name);
  if (RESERVED_ENDPOINT_NAMES.has(valid.toLowerCase())) throw new BadRequestError(`"${valid}" is reserved for the built-in endpoint`);
  return valid;
}

function object(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequestError('Request body must be a JSON object');
  return body as Record<string, unknown>;
}

function string(obj: Record<string, unknown>, field: string): string {
  const v = obj[field];
  if (typeof v !== 'string' || v.trim() === '') throw new BadRequestError(`"${field}" is required and must be a string`);
  return v.trim();
}

export interface EndpointInput {
  type: EndpointType;
  target: string;
}

export function parseEndpointInput(body: unknown): EndpointInput {
  const obj = object(body);
  const type = string(obj, 'type');
  if (!(ENDPOINT_TYPES as readonly string[]).includes(type))
    throw new BadRequestError(`"type" must be one of ${ENDPOINT_TYPES.join(', ')}`);
  return { type: type as EndpointType, target: string(obj, 'target') };
}

export interface RouteInput {
  source: RouteSource;
  condition: string;
  endpoint: string;
  enabled: boolean;
}

/** Also compiles the condition: a syntax error is a 400 with its position. */
export function parseRouteInput(body: unknown): RouteInput {
  const obj = object(body);
  const source = string(obj, 'source');
  if (!(ROUTE_SOURCES as readonly string[]).includes(source))
    throw new BadRequestError(`"source" must be one of ${ROUTE_SOURCES.join(', ')}`);
  const condition = obj.condition ?? 'true';
  if (typeof condition !== 'string') throw new BadRequestError('"condition" must be a string');
  compileRouteCondition(condition);
  const enabled = obj.enabled ?? true;
  if (typeof enabled !== 'boolean') throw new BadRequestError('"enabled" must be true or false');
  return { source: source as RouteSource, condition, endpoint: validateEndpointName(obj.endpoint), enabled };
}

export function parseFallbackInput(body: unknown): { endpoint: string; enabled: boolean } {
  const obj = object(body);
  const enabled = obj.enabled ?? true;
  if (typeof enabled !== 'boolean') throw new BadRequestError('"enabled" must be true or false');
  return { endpoint: validateEndpointName(obj.endpoint), enabled };
}

export function validateEnrichmentKey(key: unknown): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > LIMITS.enrichmentKeyLength || !PROPERTY_NAME.test(key)) {
    throw new BadRequestError(`Enrichment key must be 1-${LIMITS.enrichmentKeyLength} characters valid in a property name`);
  }
  return key;
}

export function parseEnrichmentInput(body: unknown): { value: string } {
  const obj = object(body);
  const value = obj.value;
  if (typeof value !== 'string' || value.length === 0 || value.length > LIMITS.enrichmentValueLength) {
    throw new BadRequestError(`"value" must be a string of 1-${LIMITS.enrichmentValueLength} characters`);
  }
  if (value.startsWith('$') && value !== '$iothubname' && !/^\$twin\.tags(\.[^.]+)+$/.test(value)) {
    throw new BadRequestError('A "$" value must be $iothubname or $twin.tags.<path>');
  }
  return { value };
}
