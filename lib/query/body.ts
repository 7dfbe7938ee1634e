/**
 * Message body access for `$body` references: content-type / content-encoding gating,
 * UTF-8/16/32 decoding and JSON parsing. Pure functions, no exceptions escape.
 */

/** True when the content type is application/json (case-insensitive, parameters ignored). */
export function isJsonContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  if (contentType === 'application/json') return true; // the usual spelling, no allocation
  const semi = contentType.indexOf(';');
  const mediaType = (semi === -1 ? contentType : contentType.slice(0, semi)).trim();
  return mediaType.length === 16 && mediaType.toLowerCase() === 'application/json';
}

export type BodyEncoding = 'utf8' | 'utf16le' | 'utf16be' | 'utf16' | 'utf32le' | 'utf32be' | 'utf32';

/**
 * Normalise a content encoding: case-insensitive, `-`/`_` optional, so `UTF-8`, `utf8`,
 * `utf_16`, `UTF-16LE` are accepted. Anything else (including absent) gives undefined.
 * Plain `utf16`/`utf32` mean "BOM decides, little-endian without one" (as .NET does).
 */
export function normalizeEncoding(contentEncoding: string | undefined): BodyEncoding | undefined {
  if (contentEncoding === undefined) return undefined;
  if (contentEncoding === 'utf-8' || contentEncoding === 'UTF-8') return 'utf8'; // the usual spellings
  const e = contentEncoding.trim().toLowerCase().replace(/[-_]/g, '');
  switch (e) {
    case 'utf8':
    case 'utf16le':
    case 'utf16be':
    case 'utf16':
    case 'utf32le':
    case 'utf32be':
    case 'utf32':
      return e;
    default:
      return undefined;
  }
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

const CHUNK = 8192;

function decodeUtf16(bytes: Uint8Array, bigEndian: boolean | undefined): string | undefined {
  if (bytes.length % 2 !== 0) return undefined;
  let start = 0;
  if (bytes.length >= 2) {
    const b0 = bytes[0] as number;
    const b1 = bytes[1] as number;
    if (b0 === 0xff && b1 === 0xfe && bigEndian !== true) {
      bigEndian = false;
      start = 2;
    } else if (b0 === 0xfe && b1 === 0xff && bigEndian !== false) {
      bigEndian = true;
      start = 2;
    }
  }
  const be = bigEndian === true;
  let out = '';
  const units: number[] = [];
  for (let i = start; i < bytes.length; i += 2) {
    const hi = be ? (bytes[i] as number) : (bytes[i + 1] as number);
    const lo = be ? (bytes[i + 1] as number) : (bytes[i] as number);
    units.push((hi << 8) | lo);
    if (units.length === CHUNK) {
      out += String.fromCharCode(...units);
      units.length = 0;
    }
  }
  if (units.length > 0) out += String.fromCharCode(...units);
  return out;
}

function decodeUtf32(bytes: Uint8Array, bigEndian: boolean | undefined): string | undefined {
  if (bytes.length % 4 !== 0) return undefined;
  let start = 0;
  if (bytes.length >= 4) {
    const b0 = bytes[0] as number;
    const b1 = bytes[1] as number;
    const b2 = bytes[2] as number;
    const b3 = bytes[3] as number;
    if (b0 === 0xff && b1 === 0xfe && b2 === 0 && b3 === 0 && bigEndian !== true) {
      bigEndian = false;
      start = 4;
    } else if (b0 === 0 && b1 === 0 && b2 === 0xfe && b3 === 0xff && bigEndian !== false) {
      bigEndian = true;
      start = 4;
    }
  }
  const be = bigEndian === true;
  let out = '';
  const points: number[] = [];
  for (let i = start; i < bytes.length; i += 4) {
    const a = bytes[i] as number;
    const b = bytes[i + 1] as number;
    const c = bytes[i + 2] as number;
    const d = bytes[i + 3] as number;
    const cp = be ? a * 0x1000000 + (b << 16) + (c << 8) + d : d * 0x1000000 + (c << 16) + (b << 8) + a;
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return undefined;
    points.push(cp);
    if (points.length === CHUNK) {
      out += String.fromCodePoint(...points);
      points.length = 0;
    }
  }
  if (points.length > 0) out += String.fromCodePoint(...points);
  return out;
}

/** Decode body bytes to text; undefined when the bytes are not valid in that encoding. */
export function decodeBody(bytes: Uint8Array, encoding: BodyEncoding): string | undefined {
  switch (encoding) {
    case 'utf8':
      try {
        return utf8Decoder.decode(bytes);
      } catch {
        return undefined; // invalid UTF-8
      }
    case 'utf16':
      return decodeUtf16(bytes, undefined);
    case 'utf16le':
      return decodeUtf16(bytes, false);
    case 'utf16be':
      return decodeUtf16(bytes, true);
    case 'utf32':
      return decodeUtf32(bytes, undefined);
    case 'utf32le':
      return decodeUtf32(bytes, false);
    case 'utf32be':
      return decodeUtf32(bytes, true);
  }
}

/**
 * The parsed JSON body, or undefined when the message is not application/json in a UTF
 * encoding, the bytes do not decode, or the text is not JSON.
 */
export function parseJsonBody(body: Uint8Array, contentType: string | undefined, contentEncoding: string | undefined): unknown {
  if (!isJsonContentType(contentType)) return undefined;
  const encoding = normalizeEncoding(contentEncoding);
  if (encoding === undefined) return undefined;
  let text = decodeBody(body, encoding);
  if (text === undefined) return undefined;
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // stray BOM (e.g. explicit-endian UTF-16 with BOM)
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined; // not JSON
  }
}
