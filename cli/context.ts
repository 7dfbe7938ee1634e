/** Where the CLI finds the hub: env, then the data dir `npm start` wrote, then defaults. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseConnectionString } from '../lib/sas';

export class UsageError extends Error {}

interface Endpoints {
  httpUrl?: string;
  /** The local hub's device front door (its function URL). */
  deviceUrl?: string;
  wsUrl?: string;
  tls?: boolean;
  aws?: Record<string, string>;
  environment?: Record<string, string>;
}

function findDataDir(): string {
  if (process.env.DEVHUB_DATA_DIR) return resolve(process.env.DEVHUB_DATA_DIR);
  let dir = process.cwd();
  for (;;) {
    const candidate = join(dir, '.devhub');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return resolve('.devhub');
    dir = parent;
  }
}

export class HubContext {
  readonly dataDir = findDataDir();
  private endpointsCache: Endpoints | undefined;

  private get endpoints(): Endpoints {
    if (!this.endpointsCache) {
      const file = join(this.dataDir, 'endpoints.json');
      this.endpointsCache = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Endpoints) : {};
    }
    return this.endpointsCache;
  }

  connectionString(): string {
    const fromEnv = process.env.DEVHUB_CONNECTION_STRING;
    if (fromEnv) return fromEnv.trim();
    const file = join(this.dataDir, 'iothubowner.connection');
    if (!existsSync(file)) {
      throw new Error(`no connection string: set DEVHUB_CONNECTION_STRING, or run 'npm start' first (it writes ${file})`);
    }
    return readFileSync(file, 'utf8').trim();
  }

  httpUrl(): string {
    if (process.env.DEVHUB_URL) return process.env.DEVHUB_URL.replace(/\/$/, '');
    if (this.endpoints.httpUrl) return this.endpoints.httpUrl;
    return `https://${parseConnectionString(this.connectionString()).hostName}`;
  }

  /** Whether a service connection string is configured (commands acting only as a device need none). */
  hasConnectionString(): boolean {
    return Boolean(process.env.DEVHUB_CONNECTION_STRING) || existsSync(join(this.dataDir, 'iothubowner.connection'));
  }

  /**
   * Where devices connect when the environment says: DEVHUB_DEVICE_URL, else the device front door
   * `npm start` recorded (unless DEVHUB_URL points elsewhere); undefined: ask the hub.
   */
  deviceUrl(): string | undefined {
    if (process.env.DEVHUB_DEVICE_URL) return process.env.DEVHUB_DEVICE_URL.replace(/\/$/, '');
    if (this.endpoints.deviceUrl && !process.env.DEVHUB_URL) return this.endpoints.deviceUrl;
    return undefined;
  }

  /** The HTTPS URL of a host: DEVHUB_URL when it names that host (it may carry a path), else `https://{host}`. */
  urlOfHost(host: string): string {
    const given = process.env.DEVHUB_URL?.replace(/\/$/, '');
    return given && new URL(given).hostname === host ? given : `https://${host}`;
  }

  wsUrl(): string {
    if (process.env.DEVHUB_WS_URL) return process.env.DEVHUB_WS_URL.replace(/\/$/, '');
    if (this.endpoints.wsUrl) return this.endpoints.wsUrl;
    return `wss://${parseConnectionString(this.connectionString()).hostName}`;
  }

  /** Accept the local self-signed certificate (only when talking to the local hub). */
  insecureTls(): boolean {
    return process.env.DEVHUB_INSECURE_TLS === '1' || (this.endpoints.tls === true && !process.env.DEVHUB_URL);
  }

  /** A resource name from the hub's environment (e.g. EVENTS_STREAM), overridable by env DEVHUB_<NAME>. */
  resourceName(name: string): string {
    const value = process.env[`DEVHUB_${name}`] ?? this.endpoints.environment?.[name];
    if (!value) throw new Error(`unknown ${name}: set DEVHUB_${name}, or run 'npm start' first`);
    return value;
  }

  /** Points the AWS SDK at the local emulators unless the environment already says where to go. */
  applyAwsEnvironment(): void {
    for (const [k, v] of Object.entries(this.endpoints.aws ?? {})) {
      if (process.env[k] === undefined) process.env[k] = v;
    }
  }
}
