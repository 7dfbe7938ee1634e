/**
 * A device's end of the WebSocket channel (Node, `ws`): used by `devhub listen`,
 * `devhub send --ws`, the tests and the benchmarks. See examples/ws-device.js for a minimal one.
 */
import WebSocket from 'ws';
import { WS_MAX_FRAME_BYTES, WS_MAX_MESSAGE_BYTES } from '../lib/http/eventFormat';
import { parseConnectionString, tokenFromConnectionString } from '../lib/sas';

export interface HubFrame {
  type: string;
  [key: string]: unknown;
}

export class WsConnectError extends Error {
  constructor(readonly status: number) {
    super(`WebSocket connection refused with HTTP ${status}`);
  }
}

export class WsMessageTooLargeError extends Error {
  constructor(readonly bytes: number) {
    super(`WebSocket message of ${bytes} bytes exceeds API Gateway's ${WS_MAX_MESSAGE_BYTES}-byte limit: send it over HTTPS or split it`);
    this.name = 'WsMessageTooLargeError';
  }
}

export class WsDevice {
  private readonly frames: HubFrame[] = [];
  private waiters: { match: (f: HubFrame) => boolean; resolve: (f: HubFrame) => void }[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: WebSocket.RawData) => {
      let frame: HubFrame;
      try {
        frame = JSON.parse(data.toString()) as HubFrame;
      } catch {
        frame = { type: 'unparseable', raw: data.toString() };
      }
      const waiter = this.waiters.find((w) => w.match(frame));
      if (waiter) {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        waiter.resolve(frame);
      } else this.frames.push(frame);
    });
    this.closed = new Promise((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  /** Connects with a SAS token in the query string (or the Authorization header). */
  static connect(url: string, token: string, opts: { via?: 'query' | 'header'; insecure?: boolean } = {}): Promise<WsDevice> {
    const target = opts.via === 'header' ? url : `${url}/?authorization=${encodeURIComponent(token)}`;
    const socket = new WebSocket(target, {
      ...(opts.via === 'header' ? { headers: { authorization: token } } : {}),
      rejectUnauthorized: !opts.insecure,
    });
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new WsDevice(socket)));
      socket.once('unexpected-response', (_req, res) => {
        reject(new WsConnectError(res.statusCode ?? 0));
        socket.terminate();
      });
      socket.once('error', reject);
    });
  }

  static fromConnectionString(
    url: string,
    connectionString: string,
    opts: { insecure?: boolean; tokenSeconds?: number } = {},
  ): Promise<WsDevice> {
    const token = tokenFromConnectionString(
      parseConnectionString(connectionString),
      Math.floor(Date.now() / 1000),
      opts.tokenSeconds ?? 3600,
    );
    return WsDevice.connect(url, token, opts);
  }

  /**
   * Sends one message, in frames of at most 32 KB (API Gateway closes the connection with 1009
   * on a larger frame); a message over 128 KB is refused here, before anything is sent.
   */
  send(frame: unknown): void {
    const bytes = Buffer.from(typeof frame === 'string' ? frame : JSON.stringify(frame));
    if (bytes.length > WS_MAX_MESSAGE_BYTES) throw new WsMessageTooLargeError(bytes.length);
    if (bytes.length <= WS_MAX_FRAME_BYTES) {
      this.socket.send(bytes, { binary: false });
      return;
    }
    for (let at = 0; at < bytes.length; at += WS_MAX_FRAME_BYTES) {
      this.socket.send(bytes.subarray(at, at + WS_MAX_FRAME_BYTES), { binary: false, fin: at + WS_MAX_FRAME_BYTES >= bytes.length });
    }
  }

  /** The next frame matching `match` (already received or still to come). */
  next(match: (f: HubFrame) => boolean = () => true, timeoutMs = 10_000): Promise<HubFrame> {
    const index = this.frames.findIndex(match);
    if (index >= 0) return Promise.resolve(this.frames.splice(index, 1)[0] as HubFrame);
    return new Promise((resolve, reject) => {
      const waiter = { match, resolve: (f: HubFrame) => (clearTimeout(timer), resolve(f)) };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no matching frame within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Frames received and not yet taken. */
  pending(): HubFrame[] {
    return [...this.frames];
  }

  close(): Promise<{ code: number; reason: string }> {
    this.socket.close();
    return this.closed;
  }
}
