/** The browser's Web Crypto tokens are byte-for-byte the server's (lib/sas.ts), and bad input is explained. */
import { buildSasToken, parseSasToken as serverParse, verifyPolicyToken } from '../../lib/sas';
import { CredentialsError, parseSasToken, parseServiceConnectionString, signPolicyToken } from './sas';

const key = Buffer.from('0123456789abcdef0123456789abcdef').toString('base64');

describe('signPolicyToken (Web Crypto)', () => {
  it('builds the same token as the server and the server accepts it', async () => {
    for (const host of ['localhost', 'abc.execute-api.us-east-1.amazonaws.com', 'iot.example.com']) {
      const token = await signPolicyToken(host, 'iothubowner', key, 2_000_000_000);
      expect(token).toBe(buildSasToken({ resource: host, keyBase64: key, expiry: 2_000_000_000, keyName: 'iothubowner' }));
      const parsed = serverParse(token);
      if (!parsed) throw new Error('server could not parse');
      expect(verifyPolicyToken(parsed, { hubHost: host, keys: [key], nowSeconds: 1_999_999_000 })).toBe(true);
    }
  });
});

describe('parseServiceConnectionString', () => {
  it('reads a policy connection string', () => {
    expect(parseServiceConnectionString(`HostName=localhost;SharedAccessKeyName=service;SharedAccessKey=${key}`)).toEqual({
      hostName: 'localhost',
      keyName: 'service',
      key,
    });
  });

  it.each([
    ['', /no HostName/],
    ['HostName=localhost;SharedAccessKeyName', /malformed near "SharedAccessKeyName"/],
    [`HostName=localhost;DeviceId=d;SharedAccessKey=${key}`, /device connection string/],
    [`HostName=localhost;SharedAccessKey=${key}`, /no SharedAccessKeyName/],
    ['HostName=localhost;SharedAccessKeyName=p', /no SharedAccessKey/],
    ['HostName=localhost;SharedAccessKeyName=p;SharedAccessKey=not base64!', /not a base64 key/],
  ])('explains %j', (text, message) => {
    expect(() => parseServiceConnectionString(text)).toThrow(CredentialsError);
    expect(() => parseServiceConnectionString(text)).toThrow(message);
  });
});

describe('parseSasToken', () => {
  const token = (expiry: number, skn = '&skn=service') => `SharedAccessSignature sr=localhost&sig=abc&se=${expiry}${skn}`;

  it('accepts a live policy token and remembers its expiry', () => {
    expect(parseSasToken(token(2000), 1000)).toMatchObject({ hostName: 'localhost', keyName: 'service', expiry: 2000 });
  });

  it('refuses an expired token, a device token and a non-token with a reason', () => {
    expect(() => parseSasToken(token(999), 1000)).toThrow(/expired at 1970-01-01T00:16:39.000Z/);
    expect(() => parseSasToken(token(2000, ''), 1000)).toThrow(/not a shared access policy token/);
    expect(() => parseSasToken('Bearer x', 1000)).toThrow(/starts with "SharedAccessSignature "/);
  });
});
