import { MAX_CONDITION_LENGTH, QuerySyntaxError } from './errors';

/**
 * Token kinds.
 * - `ident`: a bare name, possibly dotted (`temp`, `sensor.kind`); keywords are idents too
 *   (the parser recognises them case-insensitively, and only when undotted).
 * - `dollar`: `$name`, where the name may contain `-` followed by a letter
 *   (`$iothub-creation-time-utc`); `text` excludes the `$`.
 * - `op`: punctuation and operators; `text` is the operator (`<>` is kept as written).
 */
export type TokenKind = 'number' | 'string' | 'ident' | 'dollar' | 'op' | 'eof';

export interface Token {
  kind: TokenKind;
  /** Source text (for `string`: the decoded value; for `dollar`: the name without `$`). */
  text: string;
  /** Numeric value for `number` tokens. */
  value: number;
  /** Offset of the first character. */
  pos: number;
  /** Offset just past the last character. */
  end: number;
}

const enum Ch {
  Tab = 9,
  Lf = 10,
  Cr = 13,
  Space = 32,
  Quote = 34,
  Dollar = 36,
  Apos = 39,
  Dot = 46,
  Zero = 48,
  Nine = 57,
  UpperA = 65,
  UpperZ = 90,
  Backslash = 92,
  Underscore = 95,
  LowerA = 97,
  LowerZ = 122,
}

function isDigit(c: number): boolean {
  return c >= Ch.Zero && c <= Ch.Nine;
}
function isLetter(c: number): boolean {
  return (c >= Ch.UpperA && c <= Ch.UpperZ) || (c >= Ch.LowerA && c <= Ch.LowerZ);
}
function isIdentStart(c: number): boolean {
  return isLetter(c) || c === Ch.Underscore;
}
function isIdentPart(c: number): boolean {
  return isIdentStart(c) || isDigit(c);
}
function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}
function isSpace(c: number): boolean {
  return c === Ch.Space || c === Ch.Tab || c === Ch.Lf || c === Ch.Cr || c === 11 || c === 12 || c === 0xa0 || c === 0xfeff;
}

const TWO_CHAR_OPS = new Set(['!=', '<>', '<=', '>=']);
const ONE_CHAR_OPS = new Set(['+', '-', '*', '/', '%', '=', '<', '>', '(', ')', ',', '.', '[', ']']);

const SIMPLE_ESCAPES: Record<string, string> = {
  "'": "'",
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

/** Show a character in an error message (control and odd characters as \uXXXX). */
function showChar(ch: string): string {
  const code = ch.codePointAt(0) ?? 0;
  if (code < 0x20 || code === 0x7f || (code >= 0xd800 && code <= 0xdfff)) {
    return `\\u${code.toString(16).padStart(4, '0')}`;
  }
  return ch;
}

/** Split a condition into tokens; the last token is always `eof`. Throws QuerySyntaxError. */
export function tokenize(source: string): Token[] {
  if (source.length > MAX_CONDITION_LENGTH) {
    throw new QuerySyntaxError(MAX_CONDITION_LENGTH, `condition too long (max ${MAX_CONDITION_LENGTH} characters)`);
  }
  const tokens: Token[] = [];
  const n = source.length;
  let i = 0;
  const push = (kind: TokenKind, text: string, pos: number, end: number, value = 0): void => {
    tokens.push({ kind, text, value, pos, end });
  };

  while (i < n) {
    const c = source.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    const start = i;

    // Numbers: decimal (int, fraction, exponent) or hex 0x...
    if (isDigit(c)) {
      let value: number;
      if (c === Ch.Zero && (source[i + 1] === 'x' || source[i + 1] === 'X')) {
        i += 2;
        const digitsStart = i;
        while (i < n && isHexDigit(source.charCodeAt(i))) i++;
        if (i === digitsStart) throw new QuerySyntaxError(start, 'invalid hexadecimal number');
        value = parseInt(source.slice(digitsStart, i), 16);
      } else {
        while (i < n && isDigit(source.charCodeAt(i))) i++;
        if (source.charCodeAt(i) === Ch.Dot && isDigit(source.charCodeAt(i + 1))) {
          i++;
          while (i < n && isDigit(source.charCodeAt(i))) i++;
        }
        const e = source[i];
        if (e === 'e' || e === 'E') {
          i++;
          if (source[i] === '+' || source[i] === '-') i++;
          const expStart = i;
          while (i < n && isDigit(source.charCodeAt(i))) i++;
          if (i === expStart) throw new QuerySyntaxError(start, 'invalid number: missing exponent digits');
        }
        value = Number(source.slice(start, i));
      }
      if (i < n && (isIdentPart(source.charCodeAt(i)) || source.charCodeAt(i) === Ch.Dollar)) {
        throw new QuerySyntaxError(start, 'invalid number');
      }
      if (!Number.isFinite(value)) throw new QuerySyntaxError(start, 'number out of range');
      push('number', source.slice(start, i), start, i, value);
      continue;
    }

    // Strings in single or double quotes.
    if (c === Ch.Apos || c === Ch.Quote) {
      const quote = source[i];
      i++;
      let out = '';
      let chunkStart = i;
      for (;;) {
        if (i >= n) throw new QuerySyntaxError(start, 'unterminated string');
        const d = source[i];
        if (d === quote) {
          out += source.slice(chunkStart, i);
          i++;
          break;
        }
        if (d === '\\') {
          out += source.slice(chunkStart, i);
          const esc = source[i + 1];
          if (esc === undefined) throw new QuerySyntaxError(start, 'unterminated string');
          const simple = SIMPLE_ESCAPES[esc];
          if (simple !== undefined && Object.prototype.hasOwnProperty.call(SIMPLE_ESCAPES, esc)) {
            out += simple;
            i += 2;
          } else if (esc === 'u') {
            const hex = source.slice(i + 2, i + 6);
            if (hex.length !== 4 || !/^[0-9a-fA-F]{4}$/.test(hex)) {
              throw new QuerySyntaxError(i, 'invalid \\u escape: expected 4 hexadecimal digits');
            }
            out += String.fromCharCode(parseInt(hex, 16));
            i += 6;
          } else {
            throw new QuerySyntaxError(i, `invalid escape sequence '\\${showChar(esc)}'`);
          }
          chunkStart = i;
          continue;
        }
        i++;
      }
      push('string', out, start, i);
      continue;
    }

    // Bare identifiers, possibly dotted: a.b.c (each part starts with a letter or _).
    if (isIdentStart(c)) {
      i++;
      for (;;) {
        while (i < n && isIdentPart(source.charCodeAt(i))) i++;
        if (source.charCodeAt(i) === Ch.Dot && isIdentStart(source.charCodeAt(i + 1))) {
          i++;
          continue;
        }
        break;
      }
      push('ident', source.slice(start, i), start, i);
      continue;
    }

    // $names. `-` belongs to the name only when a letter follows it: `$dt-subject` is one
    // name, `$a-1` is `$a` minus 1, `$a - b` is a subtraction.
    if (c === Ch.Dollar) {
      i++;
      if (!isIdentStart(source.charCodeAt(i))) {
        throw new QuerySyntaxError(start, "expected a property name after '$'");
      }
      for (;;) {
        while (i < n && isIdentPart(source.charCodeAt(i))) i++;
        if (source[i] === '-' && isLetter(source.charCodeAt(i + 1))) {
          i++;
          continue;
        }
        break;
      }
      push('dollar', source.slice(start + 1, i), start, i);
      continue;
    }

    const two = source.slice(i, i + 2);
    if (TWO_CHAR_OPS.has(two)) {
      push('op', two, start, i + 2);
      i += 2;
      continue;
    }
    const one = source[i] as string; // i < n, so defined
    if (ONE_CHAR_OPS.has(one)) {
      push('op', one, start, i + 1);
      i++;
      continue;
    }
    const cp = source.codePointAt(i) ?? c;
    throw new QuerySyntaxError(start, `unexpected character '${showChar(String.fromCodePoint(cp))}'`);
  }
  push('eof', '', n, n);
  return tokens;
}
