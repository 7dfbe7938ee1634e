import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import {
  buildSasToken,
  deviceResource,
  parseConnectionString,
  parseSasToken,
  sign,
  tokenFromConnectionString,
  verifyDeviceToken,
  verifyPolicyDeviceToken,
  verifyPolicyToken,
} from './sas';

const primary = randomBytes(32).toString('base64');
const secondary = randomBytes(32).toString('base64');
const hubHost = 'hub.example.net';
const now = 1_800_000_000;

function deviceToken(opts: { resource?: string; key?: string; expiry?: number; keyName?: string } = {}): string {
  return buildSasToken({
    resource: opts.resource ?? deviceResource(hubHost, 'dev-1'),
    keyBase64: opts.key ?? primary,
    expiry: opts.expiry ?? now + 60,
    ...(opts.keyName ? { keyName: opts.keyName } : {}),
  });
}

function verify(header: string, deviceId = 'dev-1'): boolean {
  const token = parseSasToken(header);
  return token !== undefined && verifyDeviceToken(token, { hubHost, deviceId, keys: [primary, secondary], nowSeconds: now });
}

describe('device SAS tokens', () => {
  it('accepts a valid token signed with the primary key', () => {
    expect(verify(deviceToken())).toBe(true);
  });
  it('accepts a token signed with the secondary key', () => {
    expect(verify(deviceToken({ key: secondary }))).toBe(true);
  });
  it('rejects an expired token, including one expiring exactly now', () => {
    expect(verify(deviceToken({ expiry: now - 1 }))).toBe(false);
    expect(verify(deviceToken({ expiry: now }))).toBe(false);
  });
  it('rejects a non-numeric se', () => {
    const header = deviceToken().replace(/se=\d+/, 'se=abc');
    expect(parseSasToken(header)).toBeUndefined();
    expect(verify(header)).toBe(false);
  });
  it('rejects a tampered signature', () => {
    const header = deviceToken();
    const sig = /sig=([^&]+)/.exec(header)?.[1] ?? '';
    const raw = Buffer.from(decodeURIComponent(sig), 'base64');
    raw[0] = (raw[0] ?? 0) ^ 1;
    expect(verify(header.replace(sig, encodeURIComponent(raw.toString('base64'))))).toBe(false);
  });
  it('rejects a token whose expiry was changed after signing', () => {
    expect(verify(deviceToken().replace(/se=\d+/, `se=${now + 999}`))).toBe(false);
  });
  it('rejects a token for another device, even with a valid signature for it', () => {
    expect(verify(deviceToken({ resource: deviceResource(hubHost, 'dev-2') }))).toBe(false);
  });
  it('rejects a token for another hub', () => {
    expect(verify(deviceToken({ resource: deviceResource('other.example.net', 'dev-1') }))).toBe(false);
  });
  it('rejects a token signed with an unrelated key', () => {
    expect(verify(deviceToken({ key: randomBytes(32).toString('base64') }))).toBe(false);
  });
  it('rejects a device token carrying a policy name', () => {
    expect(verify(deviceToken({ keyName: 'iothubowner' }))).toBe(false);
  });
  it('compares the sr host case-insensitively and ignores a port', () => {
    expect(verify(deviceToken({ resource: 'HUB.Example.NET/devices/dev-1' }))).toBe(true);
    expect(verify(deviceToken({ resource: 'hub.example.net:3000/devices/dev-1' }))).toBe(true);
  });
  it('is case-sensitive about the device id, as IoT Hub is', () => {
    expect(verify(deviceToken({ resource: deviceResource(hubHost, 'DEV-1') }))).toBe(false);
  });
  it('accepts field order variations and a lower-case prefix', () => {
    const t = parseSasToken(deviceToken());
    if (!t) throw new Error('unparsed');
    const header = `sharedaccesssignature se=${t.expiry}&sig=${encodeURIComponent(t.signature)}&sr=${t.signedResource}`;
    expect(verify(header)).toBe(true);
  });
  it('rejects malformed headers without throwing', () => {
    for (const h of [
      '',
      'Bearer x',
      'SharedAccessSignature ',
      'SharedAccessSignature sr=a&sig=b',
      'SharedAccessSignature sr=%E0%A4%A&sig=x&se=1',
      'SharedAccessSignature sr=a&sr=b&sig=c&se=1',
    ]) {
      expect(verify(h)).toBe(false);
    }
  });
  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        verify(s);
        verify(`SharedAccessSignature ${s}`);
      }),
    );
  });
  it('matches the documented signing algorithm', () => {
    const header = deviceToken();
    const t = parseSasToken(header);
    expect(t?.signature).toBe(sign(primary, encodeURIComponent(`${hubHost}/devices/dev-1`), now + 60));
  });
});

describe('policy SAS tokens', () => {
  const policyKey = randomBytes(32).toString('base64');
  const check = (header: string) => {
    const token = parseSasToken(header);
    return token !== undefined && verifyPolicyToken(token, { hubHost, keys: [policyKey], nowSeconds: now });
  };
  it('accepts a token for the hub signed with the policy key', () => {
    expect(check(buildSasToken({ resource: hubHost, keyBase64: policyKey, expiry: now + 10, keyName: 'service' }))).toBe(true);
  });
  it('rejects a policy token without skn, expired or for another host', () => {
    expect(check(buildSasToken({ resource: hubHost, keyBase64: policyKey, expiry: now + 10 }))).toBe(false);
    expect(check(buildSasToken({ resource: hubHost, keyBase64: policyKey, expiry: now - 10, keyName: 'service' }))).toBe(false);
    expect(check(buildSasToken({ resource: 'evil.net', keyBase64: policyKey, expiry: now + 10, keyName: 'service' }))).toBe(false);
  });
});

describe('policy tokens on device endpoints (DeviceConnect)', () => {
  const policyKey = randomBytes(32).toString('base64');
  const check = (opts: { resource?: string; key?: string; expiry?: number; keyName?: string }, deviceId = 'dev-1') => {
    const token = parseSasToken(
      buildSasToken({
        resource: opts.resource ?? deviceResource(hubHost, 'dev-1'),
        keyBase64: opts.key ?? policyKey,
        expiry: opts.expiry ?? now + 60,
        ...(opts.keyName === '' ? {} : { keyName: opts.keyName ?? 'device' }),
      }),
    );
    return token !== undefined && verifyPolicyDeviceToken(token, { hubHost, deviceId, keys: [policyKey], nowSeconds: now });
  };
  it('accepts {host}/devices/{id} signed with the policy key', () => {
    expect(check({})).toBe(true);
  });
  it('rejects another device, the bare host, no skn, another key, expiry and another host', () => {
    expect(check({}, 'dev-2')).toBe(false);
    expect(check({ resource: hubHost })).toBe(false);
    expect(check({ keyName: '' })).toBe(false);
    expect(check({ key: primary })).toBe(false);
    expect(check({ expiry: now - 1 })).toBe(false);
    expect(check({ resource: deviceResource('evil.net', 'dev-1') })).toBe(false);
    expect(check({ resource: `${deviceResource(hubHost, 'dev-1')}/messages` })).toBe(false);
  });
});

describe('connection strings', () => {
  it('parses device and service connection strings and builds working tokens', () => {
    const cs = parseConnectionString(`HostName=${hubHost};DeviceId=dev-1;SharedAccessKey=${primary}`);
    expect(cs.deviceId).toBe('dev-1');
    expect(verify(tokenFromConnectionString(cs, now))).toBe(true);
    const svc = parseConnectionString(`HostName=${hubHost};SharedAccessKeyName=service;SharedAccessKey=${primary}`);
    expect(svc.sharedAccessKeyName).toBe('service');
  });
  it('rejects incomplete connection strings', () => {
    expect(() => parseConnectionString('HostName=x')).toThrow(/SharedAccessKey/);
    expect(() => parseConnectionString('HostName=x;SharedAccessKey=k')).toThrow(/DeviceId/);
    expect(() => parseConnectionString('garbage')).toThrow(/malformed/);
  });
});
