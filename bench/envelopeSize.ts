/**
 * Scenario 11: what a more compact stream record would save (issue 16, item 5). Builds the record
 * the hub writes today (lib/envelope.ts toEnvelope: JSON with the body in base64) for typical
 * device messages, and two alternatives without changing the hub: (a) the same JSON with a JSON
 * body embedded as JSON when the content type says application/json and the encoding is UTF-8,
 * (b) a binary framing: a 4-byte length, the envelope's JSON without the body, then the raw body.
 * Sizes are what Kinesis meters (1 MiB/s per shard; 25 KB PUT payload units; on-demand 1 KB
 * rounding) and the encode/decode CPU per record is measured for each. Pure apart from timing.
 */
import { performance } from 'node:perf_hooks';
import { toEnvelope } from '../lib/envelope';
import type { DeviceMessage } from '../lib/d2c/telemetry';
import type { Envelope } from '../lib/envelope';

export interface EnvelopeVariant {
  name: string;
  bytes: number;
  /** Record bytes over body bytes. */
  overhead: number;
  encodeUs: number;
  decodeUs: number;
}

export interface EnvelopeStudy {
  bodyBytes: number;
  contentType: string;
  variants: EnvelopeVariant[];
}

function jsonBody(bytes: number): Buffer {
  const base = { deviceTime: '2026-12-01T12:00:00.000Z', seq: 1234, temperature: 21.5, humidity: 40, pad: '' };
  const pad = Math.max(0, bytes - Buffer.byteLength(JSON.stringify(base)));
  return Buffer.from(JSON.stringify({ ...base, pad: 'x'.repeat(pad) }));
}

function message(body: Buffer, contentType: string): DeviceMessage {
  return {
    body,
    system: {
      'message-id': 'b7c1a0e2-6f0e-4c1b-9d1e-3f6a2c9b8e11',
      'content-type': contentType,
      'content-encoding': 'utf-8',
    },
    properties: { kind: 'telemetry', site: 'plant-7' },
  } as DeviceMessage;
}

const isJsonUtf8 = (e: Envelope) =>
  (e.systemProperties['content-type'] ?? '').toLowerCase().startsWith('application/json') &&
  /^utf-?8$/i.test(e.systemProperties['content-encoding'] ?? '');

/** (a) JSON body as JSON (`bodyJson`), others unchanged. */
function encodeJsonEmbedded(e: Envelope): Buffer {
  if (!isJsonUtf8(e)) return Buffer.from(JSON.stringify(e));
  const { body, ...rest } = e;
  return Buffer.from(
    JSON.stringify({ ...rest, schemaVersion: 2, bodyJson: JSON.parse(Buffer.from(body, 'base64').toString('utf8')) as unknown }),
  );
}

function decodeJsonEmbedded(b: Buffer): Buffer {
  const e = JSON.parse(b.toString('utf8')) as { body?: string; bodyJson?: unknown };
  return e.bodyJson !== undefined ? Buffer.from(JSON.stringify(e.bodyJson)) : Buffer.from(e.body ?? '', 'base64');
}

/** (b) [u32 header length][header JSON without body][raw body]. */
function encodeFramed(e: Envelope): Buffer {
  const { body, ...rest } = e;
  const header = Buffer.from(JSON.stringify({ ...rest, schemaVersion: 2 }));
  const len = Buffer.alloc(4);
  len.writeUInt32BE(header.length);
  return Buffer.concat([len, header, Buffer.from(body, 'base64')]);
}

function decodeFramed(b: Buffer): Buffer {
  const n = b.readUInt32BE(0);
  JSON.parse(b.subarray(4, 4 + n).toString('utf8'));
  return b.subarray(4 + n);
}

function timeUs(fn: () => unknown, n: number): number {
  for (let i = 0; i < Math.min(200, n); i++) fn();
  const t = performance.now();
  for (let i = 0; i < n; i++) fn();
  return Math.round(((performance.now() - t) / n) * 1000 * 100) / 100;
}

export function envelopeStudy(bodyBytes: number, contentType: string, iterations = 2000): EnvelopeStudy {
  const body = contentType.startsWith('application/json') ? jsonBody(bodyBytes) : Buffer.alloc(bodyBytes, 7);
  const conn = { deviceId: 'sensor-000042', generationId: '638012345678901234', transport: 'https' as const };
  const envelope = toEnvelope(message(body, contentType), conn as Parameters<typeof toEnvelope>[1], new Date('2026-12-01T12:00:00.000Z'));
  const today = Buffer.from(JSON.stringify(envelope));
  const embedded = encodeJsonEmbedded(envelope);
  const framed = encodeFramed(envelope);
  // Re-serialised JSON can differ from the device's bytes (whitespace, number spelling): the embedded
  // form keeps the value, not the bytes, which is one reason not to adopt it (docs/scaling.md).
  if (!decodeFramed(framed).equals(body)) throw new Error('framed envelope lost the body');
  const variant = (name: string, bytes: Buffer, encode: () => unknown, decode: () => unknown): EnvelopeVariant => ({
    name,
    bytes: bytes.length,
    overhead: Math.round((bytes.length / body.length) * 100) / 100,
    encodeUs: timeUs(encode, iterations),
    decodeUs: timeUs(decode, iterations),
  });
  return {
    bodyBytes: body.length,
    contentType,
    variants: [
      variant(
        'today: JSON, body base64 (schemaVersion 1)',
        today,
        () => JSON.stringify(envelope),
        () => Buffer.from((JSON.parse(today.toString('utf8')) as Envelope).body, 'base64'),
      ),
      variant(
        'JSON, JSON body embedded as JSON',
        embedded,
        () => encodeJsonEmbedded(envelope),
        () => decodeJsonEmbedded(embedded),
      ),
      variant(
        'binary framing: length + header JSON + raw body',
        framed,
        () => encodeFramed(envelope),
        () => decodeFramed(framed),
      ),
    ],
  };
}
