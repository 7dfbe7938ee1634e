/**
 * API Gateway's WebSocket size limits for the local hub. serverless offline accepts frames and
 * messages of any size; API Gateway accepts frames of at most 32 KB and messages (a frame, or
 * fragments reassembled) of at most 128 KB, and closes the connection with 1009 otherwise
 * (lib/http/eventFormat.ts has the sources). This TCP proxy sits on the hub's public WebSocket
 * port in front of serverless offline: the handshake passes through untouched (so a refused
 * $connect answers the device exactly as offline does), and after the `101` every frame header
 * the device sends is read (payloads are forwarded, never copied) and checked. Over a limit, the
 * device gets a close frame 1009 and both sides are cut, which offline sees as a disconnect, so
 * $disconnect runs as it does on AWS.
 *
 * Compared: `ws`'s own `maxPayload` limits a whole message (fragments summed) but not a frame,
 * and would mean terminating and re-originating every WebSocket in a second library; reading
 * frame headers (RFC 6455 §5.2) in the byte stream is smaller and changes nothing else.
 */
import { readFileSync } from 'node:fs';
import { connect as netConnect, createServer as createNetServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { listenClosable } from './listening';
import { connect as tlsConnect, createServer as createTlsServer } from 'node:tls';
import { WS_CLOSE_TOO_BIG, WS_MAX_FRAME_BYTES, WS_MAX_MESSAGE_BYTES } from '../../lib/http/eventFormat';

export interface WsLimitProxy {
  close(): Promise<void>;
}

export type FrameVerdict = { ok: true } | { ok: false; reason: string };

/** Reads client frame headers across chunk boundaries; counts data frames into messages. */
export class FrameLimiter {
  private header = Buffer.alloc(0);
  private payloadLeft = 0;
  private messageBytes = 0;

  constructor(
    private readonly maxFrame = WS_MAX_FRAME_BYTES,
    private readonly maxMessage = WS_MAX_MESSAGE_BYTES,
  ) {}

  push(chunk: Buffer): FrameVerdict {
    let at = 0;
    while (at < chunk.length) {
      if (this.payloadLeft > 0) {
        const take = Math.min(this.payloadLeft, chunk.length - at);
        this.payloadLeft -= take;
        at += take;
        continue;
      }
      const need = this.headerLength();
      const take = Math.min(need - this.header.length, chunk.length - at);
      this.header = Buffer.concat([this.header, chunk.subarray(at, at + take)]);
      at += take;
      if (this.header.length < this.headerLength()) continue; // the length field or mask is still to come
      const verdict = this.frame();
      if (!verdict.ok) return verdict;
    }
    return { ok: true };
  }

  /** Bytes of the current header: 2, plus 2 or 8 of extended length, plus 4 of mask. */
  private headerLength(): number {
    if (this.header.length < 2) return 2;
    const len7 = (this.header[1] ?? 0) & 0x7f;
    const masked = ((this.header[1] ?? 0) & 0x80) !== 0;
    return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (masked ? 4 : 0);
  }

  private frame(): FrameVerdict {
    const b0 = this.header[0] ?? 0;
    const len7 = (this.header[1] ?? 0) & 0x7f;
    const length = len7 === 126 ? this.header.readUInt16BE(2) : len7 === 127 ? Number(this.header.readBigUInt64BE(2)) : len7;
    const fin = (b0 & 0x80) !== 0;
    const opcode = b0 & 0x0f;
    this.header = Buffer.alloc(0);
    this.payloadLeft = length;
    if (length > this.maxFrame) return { ok: false, reason: `Frame of ${length} bytes exceeds ${this.maxFrame}` };
    if (opcode >= 0x8) return { ok: true }; // control frames interleave; not part of a message
    if (opcode !== 0x0) this.messageBytes = 0; // text or binary: a new message
    this.messageBytes += length;
    if (this.messageBytes > this.maxMessage) return { ok: false, reason: `Message exceeds ${this.maxMessage} bytes` };
    if (fin) this.messageBytes = 0;
    return { ok: true };
  }
}

/** A server-to-client close frame (unmasked): code and reason. */
export function closeFrame(code: number, reason: string): Buffer {
  const text = Buffer.from(reason.slice(0, 120));
  return Buffer.concat([Buffer.from([0x88, 2 + text.length, code >> 8, code & 0xff]), text]);
}

export async function startWsLimitProxy(opts: {
  listenPort: number;
  targetPort: number;
  /** The TLS certificate directory (cert.pem, key.pem) when the hub serves wss://. */
  tlsDir?: string;
  log: (line: string) => void;
}): Promise<WsLimitProxy> {
  const sockets = new Set<Socket>();
  const onClient = (client: Socket) => {
    sockets.add(client);
    const upstream = opts.tlsDir
      ? tlsConnect({ port: opts.targetPort, host: '127.0.0.1', rejectUnauthorized: false })
      : netConnect({ port: opts.targetPort, host: '127.0.0.1' });
    sockets.add(upstream);
    const limiter = new FrameLimiter();
    let upgraded = false;
    let response = '';
    upstream.on('data', (chunk: Buffer) => {
      if (!upgraded) {
        response += chunk.toString('latin1');
        if (response.length > 8 || response.includes('\r\n')) upgraded = /^HTTP\/1\.1 101 /.test(response);
      }
      client.write(chunk);
    });
    client.on('data', (chunk: Buffer) => {
      if (upgraded) {
        const verdict = limiter.push(chunk);
        if (!verdict.ok) {
          opts.log(`websocket closed 1009: ${verdict.reason}`);
          client.end(closeFrame(WS_CLOSE_TOO_BIG, verdict.reason));
          upstream.destroy();
          return;
        }
      }
      upstream.write(chunk);
    });
    const cut = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', cut);
    upstream.on('close', () => client.end());
    client.on('error', cut);
    upstream.on('error', cut);
  };
  const server: Server = opts.tlsDir
    ? createTlsServer({ cert: readFileSync(join(opts.tlsDir, 'cert.pem')), key: readFileSync(join(opts.tlsDir, 'key.pem')) }, onClient)
    : createNetServer(onClient);
  return listenClosable(server, { port: opts.listenPort, sockets });
}
