/**
 * Whether a WebSocket connection's authentication still holds. Pure.
 *
 * A socket is authenticated once, at $connect; IoT Hub devices are disconnected when their SAS
 * token expires and when their credentials are revoked. The hub records at connect what the
 * token proved (its expiry and which device key signed it, as a fingerprint, never the key) and
 * checks it on every frame and in the connection sweep: a connection whose token expired, whose
 * device was disabled, deleted (or re-created) or whose signing key was regenerated is closed.
 */
import { createHash } from 'node:crypto';
import type { DeviceCredentials } from '../registry/device';
import { sign, type SasToken } from '../sas';

export interface SocketCredential {
  /** Epoch seconds the token stops being valid (its `se`). */
  tokenExpiry: number;
  /** SHA-256 prefix of the device key that signed the token. */
  keyFingerprint: string;
}

export type RevocationReason = 'TokenExpired' | 'DeviceDisabled' | 'DeviceDeleted' | 'KeyRegenerated';

export function keyFingerprint(keyBase64: string): string {
  return createHash('sha256').update(keyBase64).digest('hex').slice(0, 16);
}

/** What an already verified device token proved (which of the device's keys signed it). */
export function credentialOf(token: SasToken, device: DeviceCredentials): SocketCredential {
  const { primaryKey, secondaryKey } = device.authentication.symmetricKey;
  const signer = [primaryKey, secondaryKey].find((key) => sign(key, token.signedResource, token.expiry) === token.signature) ?? primaryKey;
  return { tokenExpiry: token.expiry, keyFingerprint: keyFingerprint(signer) };
}

/** Why the connection must be closed now, or undefined while its authentication holds. */
export function revocation(
  conn: { generationId: string; tokenExpiry?: number; keyFingerprint?: string },
  device: DeviceCredentials | undefined,
  nowSeconds: number,
): RevocationReason | undefined {
  if (conn.tokenExpiry !== undefined && nowSeconds >= conn.tokenExpiry) return 'TokenExpired';
  if (!device || device.generationId !== conn.generationId) return 'DeviceDeleted';
  if (device.status !== 'enabled') return 'DeviceDisabled';
  if (conn.keyFingerprint !== undefined) {
    const { primaryKey, secondaryKey } = device.authentication.symmetricKey;
    if (![primaryKey, secondaryKey].some((k) => keyFingerprint(k) === conn.keyFingerprint)) return 'KeyRegenerated';
  }
  return undefined;
}

const MESSAGES: Record<RevocationReason, string> = {
  TokenExpired: 'The SAS token expired: reconnect with a new token',
  DeviceDisabled: 'The device was disabled',
  DeviceDeleted: 'The device no longer exists',
  KeyRegenerated: 'The key that signed the token was regenerated: reconnect with a token signed by a current key',
};

/**
 * The last frame before the hub closes a socket. API Gateway's management API closes a
 * connection without a close code or reason of the hub's choosing, so the reason travels in
 * this frame (the local hub closes the same way).
 */
export function closingFrame(reason: RevocationReason): {
  type: 'closing';
  status: 401;
  code: string;
  reason: RevocationReason;
  message: string;
} {
  return { type: 'closing', status: 401, code: 'IotHubUnauthorizedAccess', reason, message: MESSAGES[reason] };
}
