/**
 * Readiness polls must not count a socket connected to itself as a listening server (see
 * isSelfConnection). A self-connection is made on purpose here by binding the client to the port
 * it connects to, with nothing listening there.
 */
import { connect, createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { isSelfConnection, portOpen } from './processes';

async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

function connected(options: { port: number; localPort?: number }): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', localAddress: '127.0.0.1', ...options });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

describe('readiness polls', () => {
  it('tells a socket connected to itself from one connected to a listening server', async () => {
    const port = await unusedPort();
    const self = await connected({ port, localPort: port });
    expect(isSelfConnection(self)).toBe(true);
    self.destroy();

    const server = createServer((s) => s.destroy());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port: listening } = server.address() as AddressInfo;
    const real = await connected({ port: listening });
    expect(isSelfConnection(real)).toBe(false);
    expect(await portOpen(listening)).toBe(true);
    real.destroy();
    await new Promise((r) => server.close(r));
    expect(await portOpen(listening)).toBe(false);
  });
});
