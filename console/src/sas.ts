/**
 * Shared access signatures built in the browser with Web Crypto, exactly as lib/sas.ts builds
 * them on the server:
 *   SharedAccessSignature sr={urlencoded host}&sig={urlencoded base64 sig}&se={expiry}&skn={policy}
 *   sig = base64(HMAC-SHA256(base64decode(key), urlencode(host) + "\n" + se))
 * The key never leaves the browser; only tokens are sent.
 */
export interface PolicyCredentials {
  hostName: string;
  keyName: string;
  /** The policy key (base64), when signed in with a connection string. */
  key?: string;
  /** A pasted SAS token and its expiry (seconds), when signed in with a token. */
  token?: string;
  expiry?: number;
}

export class CredentialsError extends Error {}

export function parseServiceConnectionString(text: string): PolicyCredentials {
  const fields = new Map<string, string>();
  for (const part of text.trim().split(';')) {
    if (!part.trim()) continue;
    const eq = part.indexOf('=');
    if (eq <= 0)
      throw new CredentialsError(
        `The connection string is malformed near "${part.slice(0, 24)}": expected Name=value pairs separated by ";".`,
      );
    fields.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  const hostName = fields.get('hostname');
  const keyName = fields.get('sharedaccesskeyname');
  const key = fields.get('sharedaccesskey');
  if (fields.has('deviceid'))
    throw new CredentialsError(
      'This is a device connection string. Sign in with a shared access policy (HostName=…;SharedAccessKeyName=…;SharedAccessKey=…).',
    );
  if (!hostName) throw new CredentialsError('The connection string has no HostName.');
  if (!keyName) throw new CredentialsError('The connection string has no SharedAccessKeyName (the policy name, e.g. iothubowner).');
  if (!key) throw new CredentialsError('The connection string has no SharedAccessKey.');
  if (!isBase64Key(key)) throw new CredentialsError('The SharedAccessKey is not a base64 key.');
  return { hostName, keyName, key };
}

export function parseSasToken(text: string, nowSeconds: number): PolicyCredentials {
  const trimmed = text.trim();
  const prefix = 'sharedaccesssignature ';
  if (trimmed.slice(0, prefix.length).toLowerCase() !== prefix)
    throw new CredentialsError('A SAS token starts with "SharedAccessSignature ".');
  const fields = new Map<string, string>();
  for (const part of trimmed.slice(prefix.length).split('&')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).toLowerCase(), part.slice(eq + 1));
  }
  const sr = fields.get('sr');
  const skn = fields.get('skn');
  const se = Number(fields.get('se'));
  if (!sr || !fields.get('sig') || !Number.isInteger(se)) throw new CredentialsError('The SAS token needs sr, sig and se fields.');
  if (!skn) throw new CredentialsError('The SAS token has no skn: it is not a shared access policy token.');
  if (se <= nowSeconds)
    throw new CredentialsError(
      `The SAS token expired at ${new Date(se * 1000).toISOString()}. Create a new one or sign in with a connection string.`,
    );
  return {
    hostName:
      decodeURIComponent(sr)
        .replace(/^[a-z]+:\/\//i, '')
        .split('/')[0] ?? '',
    keyName: decodeURIComponent(skn),
    token: trimmed,
    expiry: se,
  };
}

function isBase64Key(key: string): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(key) || key.length % 4 !== 0) return false;
  return key.length >= 8;
}

function base64ToBytes(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function bytesToBase64(bytes: ArrayBuffer): string {
  let bin = '';
  for (const b of new Uint8Array(bytes)) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** A policy token for `hostName` valid until `expiry` (seconds since epoch). */
export async function signPolicyToken(hostName: string, keyName: string, keyBase64: string, expiry: number): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle)
    throw new CredentialsError(
      'This page is not a secure context (HTTPS or localhost), so the browser offers no Web Crypto to sign tokens.',
    );
  const sr = encodeURIComponent(hostName);
  const key = await subtle.importKey('raw', base64ToBytes(keyBase64), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const sig = bytesToBase64(await subtle.sign('HMAC', key, new TextEncoder().encode(`${sr}\n${expiry}`)));
  return `SharedAccessSignature sr=${sr}&sig=${encodeURIComponent(sig)}&se=${expiry}&skn=${encodeURIComponent(keyName)}`;
}
