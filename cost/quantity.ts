/** Parsing numbers from the command line: `1000000`, `1_000_000`, `1e6`, `1M`, `10k`, `2.5B`, `1KB`. Pure. */

const SUFFIX: Record<string, number> = { k: 1e3, K: 1e3, m: 1e6, M: 1e6, b: 1e9, B: 1e9, g: 1e9, G: 1e9 };
const BYTES: Record<string, number> = { b: 1, kb: 1024, kib: 1024, mb: 1024 * 1024, mib: 1024 * 1024 };

/** A count: plain, with `_` separators, in exponent form, or with a k/M/B suffix. */
export function parseCount(text: string, name: string): number {
  const s = text.trim().replace(/_/g, '').replace(/,/g, '');
  const m = /^(\d+(?:\.\d+)?(?:e\d+)?)([kKmMbBgG]?)$/.exec(s);
  if (!m) throw new Error(`--${name} expects a number (e.g. 1000000, 1e6, 1M, 10k), got "${text}"`);
  const value = Number(m[1]) * (m[2] ? (SUFFIX[m[2]] ?? 1) : 1);
  if (!Number.isFinite(value)) throw new Error(`--${name} is not a finite number: "${text}"`);
  return value;
}

/** A size in bytes: plain bytes, or with a B/KB/KiB/MB suffix (binary: 1 KB = 1,024 bytes, as the services meter). */
export function parseBytes(text: string, name: string): number {
  const s = text.trim().replace(/_/g, '');
  const m = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(s);
  const unit = (m?.[2] ?? '').toLowerCase();
  const factor = unit === '' ? 1 : BYTES[unit];
  if (!m || factor === undefined) throw new Error(`--${name} expects bytes (e.g. 1024, 1KB, 4KiB), got "${text}"`);
  return Math.round(Number(m[1]) * factor);
}

export function parseFraction(text: string, name: string): number {
  const s = text.trim();
  const value = s.endsWith('%') ? Number(s.slice(0, -1)) / 100 : Number(s);
  if (!Number.isFinite(value) || value < 0 || value > 1)
    throw new Error(`--${name} expects a fraction in 0..1 (or 0%..100%), got "${text}"`);
  return value;
}
