/**
 * A TLS hub the official Azure IoT SDKs can reach unmodified. The SDKs build every URL as
 * `https://{HostName}/...` on port 443 (a port in HostName is not split off: Node then looks up
 * "host:port" as a name and fails) and trust only the system's CAs plus NODE_EXTRA_CA_CERTS.
 * So: a hub of its own started with `--tls` and a host name that is a loopback address unique
 * to this test run (127.x.y.z, no DNS needed, no clash with parallel runs), port 443 on that
 * address forwarded byte for byte (TLS stays end to end) to the hub's HTTPS port, and the SDK
 * process started with NODE_EXTRA_CA_CERTS=<the hub's generated certificate>.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { portsFrom, TEST_PORTS } from './config';

type Stack = typeof import('../../infra/local/stack');
type LocalHub = Awaited<ReturnType<Stack['startLocalHub']>>;

/** 127.77.y.z from the run's port base: distinct per parallel test run. */
export function loopbackAddress(base = TEST_PORTS.httpPort): string {
  return `127.77.${Math.floor(base / 250) % 250}.${(base % 250) + 1}`;
}

export interface SdkHub {
  hub: LocalHub;
  hostName: string;
  certFile: string;
  stop(): Promise<void>;
}

/** Port 443 on `address` → `targetPort` on localhost, raw TCP. */
function forward443(address: string, targetPort: number): Promise<Server> {
  const server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EACCES'
          ? new Error(
              `binding ${address}:443 needs root or CAP_NET_BIND_SERVICE (Linux: sysctl net.ipv4.ip_unprivileged_port_start=443): the Azure SDKs only speak to port 443`,
            )
          : err,
      ),
    );
    server.listen(443, address, () => resolvePromise(server));
  });
}

export async function startSdkHub(): Promise<SdkHub> {
  const root = resolve(__dirname, '../..');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the built stack, exactly what `npm start` runs
  const stack = require(join(root, 'dist/local/stack.js')) as Stack;
  const hostName = loopbackAddress();
  const dataDir = mkdtempSync(join(tmpdir(), 'devhub-sdk-'));
  const hub = await stack.startLocalHub({
    root,
    dataDir,
    hostname: hostName,
    ...portsFrom(TEST_PORTS.httpPort + 70),
    inMemory: true,
    tls: true,
    stage: 'sdk',
    params: { deviceCacheTtlMs: '1000', registryChangePollMs: '1000', c2dLockTimeoutSeconds: '5', c2dMaxDeliveryCount: '3' },
    echoFunctions: false,
    poller: false,
    log: () => undefined,
  });
  let server: Server | undefined;
  try {
    server = await forward443(hostName, hub.options.httpPort);
  } catch (err) {
    await hub.stop();
    throw err;
  }
  return {
    hub,
    hostName,
    certFile: join(dataDir, 'tls', 'cert.pem'),
    async stop() {
      await new Promise((r) => server?.close(r));
      await hub.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** What the worker reports of an error the SDK raised. */
export interface SdkErrorInfo {
  name: string;
  message?: string;
  statusCode?: number;
}

export class SdkError extends Error {
  constructor(readonly error: SdkErrorInfo) {
    super(`${error.name}: ${error.message ?? ''}`);
  }
}

/** The SDK worker process (test/support/azureSdkWorker.js), called like a function. */
export class SdkWorker {
  private next = 0;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  private constructor(private readonly child: ChildProcessByStdio<Writable, Readable, null>) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const reply = JSON.parse(line) as { id: number; ok: boolean; result?: unknown; error?: SdkErrorInfo };
      const waiter = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (reply.ok) waiter?.resolve(reply.result);
      else waiter?.reject(new SdkError(reply.error ?? { name: 'unknown' }));
    });
  }

  static start(certFile: string): SdkWorker {
    const child = spawn(process.execPath, [join(__dirname, 'azureSdkWorker.js')], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: certFile },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    return new SdkWorker(child);
  }

  call<T>(op: string, args: unknown): Promise<T> {
    const id = ++this.next;
    return new Promise<T>((resolvePromise, reject) => {
      this.pending.set(id, { resolve: (v) => resolvePromise(v as T), reject });
      this.child.stdin.write(`${JSON.stringify({ id, op, args })}\n`);
    });
  }

  /** Resolves to the SDK's error (name and the class it constructed), or fails if the call succeeded. */
  async error(op: string, args: unknown): Promise<SdkErrorInfo> {
    try {
      await this.call(op, args);
    } catch (err) {
      if (err instanceof SdkError) return err.error;
      throw err;
    }
    throw new Error(`${op} succeeded where an error was expected`);
  }

  stop(): void {
    this.child.stdin.end();
    this.child.kill();
  }
}
