import type { Envelope } from '../envelope';
import { parseJsonBody } from './body';

/** What a routing condition is evaluated against. Treated as immutable once evaluated. */
export interface RoutableMessage {
  /** Keys as in SystemProperties of lib/envelope.ts ('message-id', 'content-type', ...). */
  systemProperties: Record<string, string | undefined>;
  /** Application properties as sent. */
  properties: Record<string, string>;
  /** Raw body bytes. */
  body: Uint8Array;
  /** Device registry tags, for `$twin.tags.*`. */
  twinTags?: Record<string, unknown>;
}

/**
 * Build a RoutableMessage from a stream envelope, decoding the base64 body once. Identity
 * fields missing from `systemProperties` are filled from the envelope's top-level fields.
 */
export function fromEnvelope(env: Envelope, twinTags?: Record<string, unknown>): RoutableMessage {
  const systemProperties: Record<string, string | undefined> = {};
  // Defensive about malformed records (missing maps): the result is always well-formed, so
  // compiled conditions never throw on it.
  for (const [key, value] of Object.entries(env.systemProperties ?? {})) {
    if (typeof value === 'string') systemProperties[key] = value;
  }
  if (typeof env.deviceId === 'string') systemProperties['iothub-connection-device-id'] ??= env.deviceId;
  if (typeof env.moduleId === 'string') systemProperties['iothub-connection-module-id'] ??= env.moduleId;
  if (typeof env.enqueuedTime === 'string') systemProperties['iothub-enqueuedtime'] ??= env.enqueuedTime;
  if (typeof env.messageSource === 'string') systemProperties['iothub-message-source'] ??= env.messageSource;
  const properties: Record<string, string> = {};
  for (const [key, value] of Object.entries(env.properties ?? {})) {
    if (typeof value === 'string') properties[key] = value;
  }
  const buf = Buffer.from(typeof env.body === 'string' ? env.body : '', 'base64');
  const msg: RoutableMessage = {
    systemProperties,
    properties,
    body: new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength),
  };
  if (twinTags !== undefined && twinTags !== null) msg.twinTags = twinTags;
  return msg;
}

// ---------------------------------------------------------------------------------------------
// Per-message lazy cache: the parsed body and a lower-cased view of the application
// properties, each computed at most once per message object (shared by every condition
// evaluated against that message).

interface MessageCache {
  bodyParsed: boolean;
  body: unknown;
  /** undefined: not built yet; null: every property name is already lower case. */
  lowerProps: Map<string, string> | null | undefined;
}

const caches = new WeakMap<RoutableMessage, MessageCache>();
// Routing evaluates every route against one message before moving to the next, so a
// one-entry cache in front of the WeakMap answers almost every lookup. (It keeps the last
// message reachable until the next one is evaluated.)
let lastMsg: RoutableMessage | undefined;
let lastCache: MessageCache = { bodyParsed: false, body: undefined, lowerProps: undefined };

function cacheFor(msg: RoutableMessage): MessageCache {
  if (msg === lastMsg) return lastCache;
  let c = caches.get(msg);
  if (c === undefined) {
    c = { bodyParsed: false, body: undefined, lowerProps: undefined };
    caches.set(msg, c);
  }
  lastMsg = msg;
  lastCache = c;
  return c;
}

/** The message's JSON body (parsed once per message), or undefined when not queryable. */
export function jsonBody(msg: RoutableMessage): unknown {
  const c = cacheFor(msg);
  if (!c.bodyParsed) {
    const sp = msg.systemProperties;
    c.body = parseJsonBody(msg.body, sp['content-type'], sp['content-encoding']);
    c.bodyParsed = true;
  }
  return c.body;
}

const hasOwn = Object.prototype.hasOwnProperty;

function buildLowerProps(props: Record<string, string>): Map<string, string> | null {
  let map: Map<string, string> | null = null;
  for (const key in props) {
    if (!hasOwn.call(props, key)) continue;
    const value = props[key];
    if (typeof value !== 'string') continue;
    const lower = key.toLowerCase();
    if (lower === key) continue; // found by the direct lookup already
    map ??= new Map();
    if (!map.has(lower)) map.set(lower, value);
  }
  return map;
}

/**
 * Application property lookup, case-insensitive. `lower` must be `name.toLowerCase()`
 * (computed once at compile time). An exact-case match wins over a case-insensitive one.
 */
export function appProperty(msg: RoutableMessage, name: string, lower: string): string | undefined {
  const props = msg.properties;
  const v = props[name];
  if (typeof v === 'string') return v; // Object.prototype has no string-valued members
  if (lower !== name) {
    const w = props[lower];
    if (typeof w === 'string') return w;
  }
  const c = cacheFor(msg);
  if (c.lowerProps === undefined) c.lowerProps = buildLowerProps(props);
  return c.lowerProps === null ? undefined : c.lowerProps.get(lower);
}

/**
 * Follow a path through parsed JSON, keys matched exactly (own properties only: keys on
 * arrays, indices on objects, and inherited members such as `constructor` give undefined).
 */
export function walkExact(root: unknown, path: readonly (string | number)[]): unknown {
  let cur = root;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i] as string | number;
    if (typeof cur !== 'object' || cur === null) return undefined;
    if (typeof seg === 'number') {
      if (!Array.isArray(cur)) return undefined;
      cur = seg < cur.length ? (cur[seg] as unknown) : undefined;
    } else {
      if (Array.isArray(cur) || !hasOwn.call(cur, seg)) return undefined;
      cur = (cur as Record<string, unknown>)[seg];
    }
  }
  return cur;
}

/**
 * Same result as walkExact for JSON.parse output when no key is `__proto__`, without the
 * own-property test: the only inherited members of a plain object other than `__proto__`
 * are functions, and a function is never a JSON value.
 */
export function walkJson(root: unknown, path: readonly (string | number)[]): unknown {
  let cur = root;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i] as string | number;
    if (typeof cur !== 'object' || cur === null) return undefined;
    if (typeof seg === 'number') {
      if (!Array.isArray(cur)) return undefined;
      cur = cur[seg] as unknown;
    } else {
      if (Array.isArray(cur)) return undefined;
      cur = (cur as Record<string, unknown>)[seg];
      if (typeof cur === 'function') return undefined;
    }
  }
  return cur;
}

/** `$body.key` for one key (see walkJson). */
export function bodyKey(msg: RoutableMessage, key: string): unknown {
  const b = jsonBody(msg);
  if (typeof b !== 'object' || b === null || Array.isArray(b)) return undefined;
  const v = (b as Record<string, unknown>)[key];
  return typeof v === 'function' ? undefined : v;
}

/**
 * Follow a path through twin tags. Keys match exactly: twin keys are case-sensitive in IoT Hub
 * (unlike application property names).
 */
export function walkTags(root: unknown, path: readonly (string | number)[]): unknown {
  let cur = root;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i] as string | number;
    if (typeof cur !== 'object' || cur === null) return undefined;
    if (typeof seg === 'number') {
      if (!Array.isArray(cur)) return undefined;
      cur = seg < cur.length ? (cur[seg] as unknown) : undefined;
      continue;
    }
    if (Array.isArray(cur)) return undefined;
    const obj = cur as Record<string, unknown>;
    cur = hasOwn.call(obj, seg) ? obj[seg] : undefined;
  }
  return cur;
}
