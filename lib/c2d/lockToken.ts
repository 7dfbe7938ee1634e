/**
 * Lock tokens: `<sequence number>-<128 random bits as hex>`. The sequence number lets a
 * complete find its message in O(1) (the device sends only the token); the random part makes
 * tokens unguessable, and a new one is drawn for every lock, so a stale token never matches.
 */
import { randomBytes } from 'node:crypto';

export function newLockToken(sequenceNumber: number): string {
  return `${sequenceNumber}-${randomBytes(16).toString('hex')}`;
}

/** The sequence number a token names, or undefined for anything that is not one of our tokens. */
export function lockTokenSequence(token: string): number | undefined {
  const m = /^(\d{1,15})-[0-9a-f]{32}$/.exec(token);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}
