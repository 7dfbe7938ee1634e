/** A self-signed certificate for `npm start --tls`, generated once into the data dir. */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { generate } from 'selfsigned';

export async function ensureCertificate(dir: string, hostname: string): Promise<string> {
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
          isIP(hostname) ? { type: 7, ip: hostname } : { type: 2, value: hostname },
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
