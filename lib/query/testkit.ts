/**
 * Test helpers for the query module (message builders and text encoders). Not used by
 * production code.
 */
import type { RoutableMessage } from './message';

export function utf8(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

export function utf16(s: string, opts: { bigEndian?: boolean; bom?: boolean } = {}): Uint8Array {
  const units: number[] = [];
  if (opts.bom) units.push(0xfeff);
  for (let i = 0; i < s.length; i++) units.push(s.charCodeAt(i));
  const out = new Uint8Array(units.length * 2);
  units.forEach((u, i) => {
    const hi = u >> 8;
    const lo = u & 0xff;
    out[2 * i] = opts.bigEndian ? hi : lo;
    out[2 * i + 1] = opts.bigEndian ? lo : hi;
  });
  return out;
}

export function utf32(s: string, opts: { bigEndian?: boolean; bom?: boolean } = {}): Uint8Array {
  const points: number[] = [];
  if (opts.bom) points.push(0xfeff);
  for (const ch of s) points.push(ch.codePointAt(0) as number);
  const out = new Uint8Array(points.length * 4);
  points.forEach((p, i) => {
    const bytes = [p & 0xff, (p >> 8) & 0xff, (p >> 16) & 0xff, (p >>> 24) & 0xff];
    if (opts.bigEndian) bytes.reverse();
    out.set(bytes, 4 * i);
  });
  return out;
}

export interface MessageSpec {
  system?: Record<string, string | undefined>;
  properties?: Record<string, string>;
  /** A string is encoded as UTF-8; bytes are used as is. */
  body?: string | Uint8Array;
  /** Shorthand: JSON-stringified and UTF-8 encoded, with JSON content type and UTF-8 encoding. */
  json?: unknown;
  twinTags?: Record<string, unknown>;
}

export function message(spec: MessageSpec = {}): RoutableMessage {
  const systemProperties: Record<string, string | undefined> = {
    'iothub-connection-device-id': 'dev-1',
    'iothub-connection-auth-method': '{"scope":"device","type":"sas"}',
    'iothub-enqueuedtime': '2024-05-01T10:00:00.000Z',
    'iothub-message-source': 'Telemetry',
  };
  let body: Uint8Array = new Uint8Array(0);
  if (spec.json !== undefined) {
    systemProperties['content-type'] = 'application/json';
    systemProperties['content-encoding'] = 'utf-8';
    body = utf8(JSON.stringify(spec.json));
  }
  Object.assign(systemProperties, spec.system ?? {});
  if (typeof spec.body === 'string') body = utf8(spec.body);
  else if (spec.body !== undefined) body = spec.body;
  const msg: RoutableMessage = { systemProperties, properties: { ...(spec.properties ?? {}) }, body };
  if (spec.twinTags !== undefined) msg.twinTags = spec.twinTags;
  return msg;
}
