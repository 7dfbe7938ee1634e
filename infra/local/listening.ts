/**
 * Listening and closing for the local hub's own front servers (HTTP gateway, function URL,
 * WebSocket limits proxy). close() destroys the open sockets first: a keep-alive client or a
 * proxied pair would otherwise hold server.close() open until it hung up by itself.
 */
import type { Server, Socket } from 'node:net';

export interface ListenOptions {
  port: number;
  host?: string;
  /** Sockets to destroy on close; by default every connection the server accepts. */
  sockets?: Set<Socket>;
  /** Runs once the sockets are destroyed (e.g. an agent to tear down). */
  onClose?: () => void;
}

export async function listenClosable(server: Server, opts: ListenOptions): Promise<{ close: () => Promise<void> }> {
  const sockets = opts.sockets ?? new Set<Socket>();
  if (!opts.sockets) {
    server.on('connection', (s: Socket) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if (opts.host === undefined) server.listen(opts.port, () => resolve());
    else server.listen(opts.port, opts.host, () => resolve());
  });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        opts.onClose?.();
        server.close(() => resolve());
      }),
  };
}
