/**
 * Device keys derived from the hub's device-key seed, as IoT Hub DPS derives a group enrollment's
 * device keys (deviceKey = HMAC-SHA256(groupKey, registrationId)). A device the registry created
 * without caller keys gets the keys and generationId derived at version 0, so authentication can
 * verify its tokens without reading the registry: nobody without the seed can compute them.
 * An id whose truth ever left "exists, enabled, derived at version 0" is revoked
 * (./revocations.ts) and goes back to reading the registry. Pure.
 */
import { createHmac, randomBytes } from 'node:crypto';

/**
 * What the registry keeps (never shown by the API) of an id derived keys were ever issued for:
 * the highest derivation version issued. A re-created id gets `version + 1`, so its old keys
 * never come back; a deleted one leaves a tombstone holding this.
 */
export interface KeyLineage {
  version: number;
}

export interface DerivedCredentials {
  primaryKey: string;
  secondaryKey: string;
  generationId: string;
}

/** A new hub-wide seed: 32 random bytes, base64. */
export function generateSeed(): string {
  return randomBytes(32).toString('base64');
}

function mac(seed: string, label: string, deviceId: string, version: number): Buffer {
  return createHmac('sha256', Buffer.from(seed, 'base64')).update(`${label}:${deviceId}:${version}`, 'utf8').digest();
}

/** The keys and generationId of `deviceId` at derivation `version` (deterministic per seed, id and version). */
export function deriveCredentials(seed: string, deviceId: string, version: number): DerivedCredentials {
  const g = mac(seed, 'generation', deviceId, version).subarray(0, 16);
  // Shaped like the random UUID (v4) a device with its own keys gets, so nothing tells them apart.
  g[6] = ((g[6] ?? 0) & 0x0f) | 0x40;
  g[8] = ((g[8] ?? 0) & 0x3f) | 0x80;
  const hex = g.toString('hex');
  return {
    primaryKey: mac(seed, 'primary', deviceId, version).toString('base64'),
    secondaryKey: mac(seed, 'secondary', deviceId, version).toString('base64'),
    generationId: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`,
  };
}
