/** What the built-in stream hands the page, and the pure helpers to show and plot it. */
// The wire types of GET /events, from the hub's own definitions (type imports: nothing is bundled).
import type { Envelope } from '../../lib/envelope';
import type { StreamMessage } from '../../lib/events/streamMessage';

export type { Envelope, StreamMessage };

export interface DecodedBody {
  text: string | undefined;
  /** The parsed body when it is JSON text. */
  json?: unknown;
  isJson: boolean;
  size: number;
}

export function decodeBody(base64: string): DecodedBody {
  let bytes: Uint8Array;
  try {
    const bin = atob(base64);
    bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  } catch {
    return { text: undefined, isJson: false, size: 0 };
  }
  let text: string | undefined;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { text: undefined, isJson: false, size: bytes.length };
  }
  try {
    return { text, json: JSON.parse(text), isJson: true, size: bytes.length };
  } catch {
    return { text, isJson: false, size: bytes.length };
  }
}

const MAX_FIELDS = 64;
const MAX_DEPTH = 5;

/**
 * The plottable numbers of a message: `body.<path>` for every finite number in a JSON body
 * (arrays by index), `prop.<name>` for every application property that is a decimal number.
 */
export function numericFields(env: Envelope): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (value: unknown, path: string, depth: number) => {
    if (out.size >= MAX_FIELDS) return;
    if (typeof value === 'number' && Number.isFinite(value)) out.set(path, value);
    else if (depth < MAX_DEPTH && value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) walk(v, `${path}.${k}`, depth + 1);
    }
  };
  const body = decodeBody(env.body);
  if (body.isJson) walk(body.json, 'body', 0);
  for (const [name, value] of Object.entries(env.properties ?? {})) {
    if (out.size >= MAX_FIELDS) break;
    if (/^\s*-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(value)) out.set(`prop.${name}`, Number(value));
  }
  return out;
}

export function prettyBody(env: Envelope): string {
  const body = decodeBody(env.body);
  if (body.isJson) return JSON.stringify(body.json, null, 2);
  if (body.text !== undefined) return body.text;
  return `(${body.size} bytes of binary data, base64: ${env.body.slice(0, 120)}${env.body.length > 120 ? '…' : ''})`;
}

export interface Point {
  t: number;
  v: number;
}

/**
 * Aligns series of points to uPlot's column format: one shared x column (seconds) and one
 * y column per series with nulls where that series has no point at that time.
 */
export function alignSeries(series: readonly Point[][], fromMs: number): [number[], ...(number | null)[][]] {
  const times = new Set<number>();
  for (const s of series) for (const p of s) if (p.t >= fromMs) times.add(p.t);
  const xs = [...times].sort((a, b) => a - b);
  const index = new Map(xs.map((t, i) => [t, i]));
  const ys = series.map((s) => {
    const col: (number | null)[] = new Array<number | null>(xs.length).fill(null);
    for (const p of s) {
      const i = index.get(p.t);
      if (i !== undefined) col[i] = p.v;
    }
    return col;
  });
  return [xs.map((t) => t / 1000), ...ys];
}

/** Splits a condition around a 0-based error position, for highlighting. */
export function splitAtPosition(condition: string, position: number): { before: string; at: string; after: string } {
  const p = Math.max(0, Math.min(position, condition.length));
  return { before: condition.slice(0, p), at: condition.slice(p, p + 1) || ' ', after: condition.slice(p + 1) };
}
