/** A self-signed certificate for `npm start --tls`, generated once into the data dir. */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { generate } from 'selfsigned';

/** `hostname` and `deviceHostname` (the device front door's, when it has its own), localhost and 127.0.0.1. */
export async function ensureCertificate(dir: string, hostname: string, deviceHostname = hostname): Promise<string> {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  if (existsSync(cert) && existsSync(key)) return dir;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const pems = await generate([{ name: 'commonName', value: hostname }], {
    notAfterDate: new Date(Date.now() + 825 * 24 * 3600 * 1000),
    keySize: 2048,
    extensions: [
      { name: 'basicConstraints', cA: false },
      {
        name: 'subjectAltName',
        altNames: [
          // An IP address host name must be an IP SAN: TLS clients check IP hosts against those only.
          ...[...new Set([hostname, deviceHostname])].map((name) =>
            isIP(name) ? { type: 7 as const, ip: name } : { type: 2 as const, value: name },
          ),
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  writeFileSync(cert, pems.cert);
  writeFileSync(key, pems.private, { mode: 0o600 });
  return dir;
}
