import type { Device } from '../registry/device';
import { buildSasToken, deviceResource, parseSasToken } from '../sas';
import { closingFrame, credentialOf, keyFingerprint, revocation } from './socketAuth';

const key = (c: string) => Buffer.alloc(32, c).toString('base64');
function device(over: Partial<Device> = {}, keys = { primaryKey: key('p'), secondaryKey: key('s') }): Device {
  return {
    deviceId: 'd1',
    generationId: 'g1',
    etag: 'e',
    status: 'enabled',
    authentication: { type: 'sas', symmetricKey: keys },
    ...over,
  } as Device;
}

describe('socket authentication after connect', () => {
  const token = (k: string, expiry: number) =>
    parseSasToken(buildSasToken({ resource: deviceResource('hub', 'd1'), keyBase64: k, expiry })) ?? (undefined as never);

  it('records the expiry and which key signed the token (as a fingerprint)', () => {
    expect(credentialOf(token(key('s'), 1000), device())).toEqual({ tokenExpiry: 1000, keyFingerprint: keyFingerprint(key('s')) });
    expect(credentialOf(token(key('p'), 1000), device()).keyFingerprint).toBe(keyFingerprint(key('p')));
    expect(keyFingerprint(key('p'))).not.toContain(key('p'));
  });

  it('revokes on expiry, disable, delete or re-create, and regeneration of the signing key only', () => {
    const conn = { generationId: 'g1', tokenExpiry: 1000, keyFingerprint: keyFingerprint(key('p')) };
    expect(revocation(conn, device(), 999)).toBeUndefined();
    expect(revocation(conn, device(), 1000)).toBe('TokenExpired');
    expect(revocation(conn, device({ status: 'disabled' }), 999)).toBe('DeviceDisabled');
    expect(revocation(conn, undefined, 999)).toBe('DeviceDeleted');
    expect(revocation(conn, device({ generationId: 'g2' }), 999)).toBe('DeviceDeleted');
    expect(revocation(conn, device({}, { primaryKey: key('x'), secondaryKey: key('s') }), 999)).toBe('KeyRegenerated');
    // The other key changing does not matter; nor does the signing key moving to the other slot.
    expect(revocation(conn, device({}, { primaryKey: key('p'), secondaryKey: key('y') }), 999)).toBeUndefined();
    expect(revocation(conn, device({}, { primaryKey: key('z'), secondaryKey: key('p') }), 999)).toBeUndefined();
  });

  it('says why in the closing frame', () => {
    expect(closingFrame('TokenExpired')).toMatchObject({
      type: 'closing',
      status: 401,
      code: 'IotHubUnauthorizedAccess',
      reason: 'TokenExpired',
    });
  });
});
