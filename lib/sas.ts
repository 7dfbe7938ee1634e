/**
 * Shared access signatures exactly as Azure IoT Hub builds them:
 *   SharedAccessSignature sr={urlencoded resource}&sig={urlencoded base64 sig}&se={expiry}[&skn={policy}]
 *   sig = base64(HMAC-SHA256(base64decode(key), urlencode(resource) + "\n" + se))
 * Pure: no I/O, no clock (callers pass `nowSeconds`).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface SasToken {
  /** The `sr` field exactly as sent (still URL-encoded): it is what the client signed. */
  signedResource: string;
  /** `sr` decoded. */
  resource: string;
  signature: string;
  expiry: number;
  keyName?: string;
}

const PREFIX = 'SharedAccessSignature ';

/** Parses a token; returns undefined for anything malformed (callers answer 401, not 400). */
export function parseSasToken(header: string | undefined): SasToken | undefined {
  if (!header || header.length > 4096) return undefined;
  const trimmed = header.trim();
  if (trimmed.slice(0, PREFIX.length).toLowerCase() !== PREFIX.toLowerCase()) return undefined;
  const fields = new Map<string, string>();
  for (const part of trimmed.slice(PREFIX.length).trim().split('&')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return undefined;
    const name = part.slice(0, eq).toLowerCase();
    if (fields.has(name)) return undefined;
    fields.set(name, part.slice(eq + 1));
  }
  const sr = fields.get('sr');
  const sig = fields.get('sig');
  const se = fields.get('se');
  if (!sr || !sig || !se || !/^\d{1,12}$/.test(se)) return undefined;
  const resource = safeDecode(sr);
  const signature = safeDecode(sig);
  if (resource === undefined || signature === undefined) return undefined;
  const skn = fields.get('skn');
  const keyName = skn === undefined ? undefined : safeDecode(skn);
  if (skn !== undefined && !keyName) return undefined;
  return { signedResource: sr, resource, signature, expiry: Number(se), ...(keyName ? { keyName } : {}) };
}

function safeDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

export function sign(keyBase64: string, signedResource: string, expiry: number): string {
  return createHmac('sha256', Buffer.from(keyBase64, 'base64')).update(`${signedResource}\n${expiry}`).digest('base64');
}

export function buildSasToken(opts: { resource: string; keyBase64: string; expiry: number; keyName?: string }): string {
  const sr = encodeURIComponent(opts.resource);
  const sig = encodeURIComponent(sign(opts.keyBase64, sr, opts.expiry));
  const skn = opts.keyName ? `&skn=${encodeURIComponent(opts.keyName)}` : '';
  return `${PREFIX}sr=${sr}&sig=${sig}&se=${opts.expiry}${skn}`;
}

/** True when `token` is signed by one of `keysBase64`. Constant time per key. */
export function signatureMatches(token: SasToken, keysBase64: readonly string[]): boolean {
  const given = Buffer.from(token.signature, 'base64');
  let ok = false;
  for (const key of keysBase64) {
    const expected = Buffer.from(sign(key, token.signedResource, token.expiry), 'base64');
    // Always compare every key so timing does not reveal which one matched.
    if (given.length === expected.length && timingSafeEqual(given, expected)) ok = true;
  }
  return ok;
}

/** Splits a resource URI into host (lower-case, no port) and path segments. */
export function splitResource(resource: string): { host: string; path: string[] } {
  const withoutScheme = resource.replace(/^[a-z]+:\/\//i, '');
  const slash = withoutScheme.indexOf('/');
  const hostPort = slash < 0 ? withoutScheme : withoutScheme.slice(0, slash);
  const path =
    slash < 0
      ? []
      : withoutScheme
          .slice(slash + 1)
          .split('/')
          .filter((s) => s.length > 0);
  return { host: hostPort.replace(/:\d+$/, '').toLowerCase(), path };
}

/** The resource a device token must name: `{host}/devices/{deviceId}`. */
export function deviceResource(hubHost: string, deviceId: string): string {
  return `${hubHost}/devices/${encodeURIComponent(deviceId)}`;
}

/** Host names a token may name: the hub's configured hosts (e.g. the HTTP API's and the function URL's). */
export type HubHosts = string | readonly string[];

function namesHubHost(resource: string, hubHost: HubHosts): boolean {
  const host = splitResource(resource).host;
  return (typeof hubHost === 'string' ? [hubHost] : hubHost).some((h) => splitResource(h).host === host);
}

export interface DeviceTokenCheck {
  hubHost: HubHosts;
  deviceId: string;
  keys: readonly string[];
  nowSeconds: number;
}

/**
 * A token for one device's endpoints: unexpired, resource `{host}/devices/{id}`, signed with one of
 * `keys`. `byPolicy` says whose keys those are: the device's own (no `skn`) or a policy's (`skn`,
 * IoT Hub's DeviceConnect; the permission is the caller's check). False for every failure: the
 * caller turns that into one indistinguishable 401.
 */
function verifyDeviceResourceToken(token: SasToken, opts: DeviceTokenCheck, byPolicy: boolean): boolean {
  if ((token.keyName !== undefined) !== byPolicy) return false;
  if (token.expiry <= opts.nowSeconds) return false;
  if (!namesHubHost(token.resource, opts.hubHost)) return false;
  const { path } = splitResource(token.resource);
  if (path.length !== 2 || path[0]?.toLowerCase() !== 'devices') return false;
  if (safeDecode(path[1] ?? '') !== opts.deviceId) return false;
  return signatureMatches(token, opts.keys);
}

/** Validates a device token for `deviceId` against the device's keys. */
export function verifyDeviceToken(token: SasToken, opts: DeviceTokenCheck): boolean {
  return verifyDeviceResourceToken(token, opts, false);
}

/** Validates a policy (`skn`) token for one device's endpoints, against the policy's keys. */
export function verifyPolicyDeviceToken(token: SasToken, opts: DeviceTokenCheck): boolean {
  return verifyDeviceResourceToken(token, opts, true);
}

/** Validates a policy (`skn`) token whose resource is the hub host (optionally with a path). */
export function verifyPolicyToken(token: SasToken, opts: { hubHost: HubHosts; keys: readonly string[]; nowSeconds: number }): boolean {
  if (token.keyName === undefined) return false;
  if (token.expiry <= opts.nowSeconds) return false;
  if (!namesHubHost(token.resource, opts.hubHost)) return false;
  return signatureMatches(token, opts.keys);
}

export interface ConnectionString {
  hostName: string;
  deviceId?: string;
  sharedAccessKeyName?: string;
  sharedAccessKey: string;
}

export function parseConnectionString(cs: string): ConnectionString {
  const fields = new Map<string, string>();
  for (const part of cs.trim().split(';')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    if (eq <= 0) throw new Error(`malformed connection string field "${part.slice(0, 20)}"`);
    fields.set(part.slice(0, eq).toLowerCase(), part.slice(eq + 1));
  }
  const hostName = fields.get('hostname');
  const sharedAccessKey = fields.get('sharedaccesskey');
  if (!hostName || !sharedAccessKey) throw new Error('connection string needs HostName and SharedAccessKey');
  const deviceId = fields.get('deviceid');
  const sharedAccessKeyName = fields.get('sharedaccesskeyname');
  if (!deviceId && !sharedAccessKeyName) throw new Error('connection string needs DeviceId or SharedAccessKeyName');
  return { hostName, sharedAccessKey, ...(deviceId ? { deviceId } : {}), ...(sharedAccessKeyName ? { sharedAccessKeyName } : {}) };
}

export function deviceConnectionString(hostName: string, deviceId: string, key: string): string {
  return `HostName=${hostName};DeviceId=${deviceId};SharedAccessKey=${key}`;
}

export function serviceConnectionString(hostName: string, policy: string, key: string): string {
  return `HostName=${hostName};SharedAccessKeyName=${policy};SharedAccessKey=${key}`;
}

/** Builds the token a connection string grants, valid for `ttlSeconds` from `nowSeconds`. */
export function tokenFromConnectionString(cs: ConnectionString, nowSeconds: number, ttlSeconds = 3600): string {
  const expiry = nowSeconds + ttlSeconds;
  if (cs.deviceId) {
    return buildSasToken({ resource: deviceResource(cs.hostName, cs.deviceId), keyBase64: cs.sharedAccessKey, expiry });
  }
  return buildSasToken({
    resource: cs.hostName,
    keyBase64: cs.sharedAccessKey,
    expiry,
    ...(cs.sharedAccessKeyName ? { keyName: cs.sharedAccessKeyName } : {}),
  });
}
