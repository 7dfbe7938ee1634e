import { decodeBody, isJsonContentType, normalizeEncoding, parseJsonBody } from './body';
import * as bodyModule from './body';
import * as lexerModule from './lexer';
import { compileCondition } from './index';
import { message, utf16, utf32, utf8 } from './testkit';

describe('content type gating', () => {
  it.each([
    ['application/json', true],
    ['APPLICATION/JSON', true],
    [' application/json ; charset=utf-8', true],
    ['application/json;odata=verbose', true],
    ['application/jsonx', false],
    ['application/json-seq', false],
    ['text/json', false],
    ['application/xml', false],
    ['', false],
    [undefined, false],
  ])('%j -> %s', (ct, expected) => {
    expect(isJsonContentType(ct)).toBe(expected);
  });
});

describe('content encoding', () => {
  it.each([
    ['utf-8', 'utf8'],
    ['UTF8', 'utf8'],
    [' Utf-8 ', 'utf8'],
    ['utf_8', 'utf8'],
    ['UTF-16', 'utf16'],
    ['utf16le', 'utf16le'],
    ['UTF-16BE', 'utf16be'],
    ['utf-32', 'utf32'],
    ['UTF-32LE', 'utf32le'],
    ['utf32be', 'utf32be'],
    ['ascii', undefined],
    ['latin1', undefined],
    ['utf-7', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('%j -> %j', (enc, expected) => {
    expect(normalizeEncoding(enc)).toBe(expected);
  });
});

describe('decoding', () => {
  const text = '{"k":"é😀"}';

  it('UTF-16 without BOM is little-endian; a BOM decides the byte order', () => {
    expect(decodeBody(utf16(text), 'utf16')).toBe(text);
    expect(decodeBody(utf16(text, { bom: true }), 'utf16')).toBe(text);
    expect(decodeBody(utf16(text, { bom: true, bigEndian: true }), 'utf16')).toBe(text);
    expect(decodeBody(utf16(text, { bigEndian: true }), 'utf16be')).toBe(text);
    expect(decodeBody(utf16(text, { bigEndian: true, bom: true }), 'utf16be')).toBe(text);
    expect(decodeBody(utf16(text), 'utf16le')).toBe(text);
    expect(decodeBody(new Uint8Array([0x7b, 0, 0x7d]), 'utf16')).toBeUndefined(); // odd length
  });

  it('UTF-32 likewise, and rejects code points outside Unicode', () => {
    expect(decodeBody(utf32(text), 'utf32')).toBe(text);
    expect(decodeBody(utf32(text, { bom: true }), 'utf32')).toBe(text);
    expect(decodeBody(utf32(text, { bom: true, bigEndian: true }), 'utf32')).toBe(text);
    expect(decodeBody(utf32(text, { bigEndian: true }), 'utf32be')).toBe(text);
    expect(decodeBody(utf32(text), 'utf32le')).toBe(text);
    expect(decodeBody(new Uint8Array([0, 0, 0x11, 0]), 'utf32le')).toBeUndefined();
    expect(decodeBody(new Uint8Array([0, 0xd8, 0, 0]), 'utf32le')).toBeUndefined(); // surrogate
    expect(decodeBody(new Uint8Array([1, 2, 3]), 'utf32')).toBeUndefined();
  });

  it('UTF-8 is strict and strips a BOM', () => {
    expect(decodeBody(utf8(text), 'utf8')).toBe(text);
    expect(decodeBody(utf8(`\ufeff${text}`), 'utf8')).toBe(text);
    expect(decodeBody(new Uint8Array([0xc3]), 'utf8')).toBeUndefined();
  });

  it('decodes large bodies (chunked)', () => {
    const big = JSON.stringify({ items: Array.from({ length: 20000 }, (_, i) => `v${i}`) });
    expect(decodeBody(utf16(big), 'utf16')).toBe(big);
    expect(decodeBody(utf32(big), 'utf32')).toBe(big);
  });

  it('parseJsonBody gives undefined for anything not queryable', () => {
    expect(parseJsonBody(utf8('{"a":1}'), 'application/json', 'utf-8')).toEqual({ a: 1 });
    expect(parseJsonBody(utf8('{"a":1}'), 'text/plain', 'utf-8')).toBeUndefined();
    expect(parseJsonBody(utf8('{"a":1}'), 'application/json', undefined)).toBeUndefined();
    expect(parseJsonBody(utf8('{"a":'), 'application/json', 'utf-8')).toBeUndefined();
    expect(parseJsonBody(utf8(''), 'application/json', 'utf-8')).toBeUndefined();
    expect(parseJsonBody(utf16('{"a":1}', { bigEndian: true, bom: true }), 'application/json', 'utf-16be')).toEqual({
      a: 1,
    });
  });
});

describe('evaluation cost', () => {
  afterEach(() => jest.restoreAllMocks());

  it('parses the body at most once per message, across conditions and evaluations', () => {
    const spy = jest.spyOn(bodyModule, 'parseJsonBody');
    const conditions = ['$body.a = 1', '$body.b.c = 2', 'IS_DEFINED($body.z) OR $body.a > 0'].map(compileCondition);
    const m1 = message({ json: { a: 1, b: { c: 2 } } });
    const m2 = message({ json: { a: 1, b: { c: 3 } } });
    for (let i = 0; i < 3; i++) {
      expect(conditions.map((c) => c(m1))).toEqual([true, true, true]);
      expect(conditions.map((c) => c(m2))).toEqual([true, false, true]);
    }
    expect(spy).toHaveBeenCalledTimes(2);
  });

  it('does not parse the body when no condition refers to it', () => {
    const spy = jest.spyOn(bodyModule, 'parseJsonBody');
    compileCondition("$messageId = 'x' OR a = 'b'")(message({ json: { a: 1 } }));
    expect(spy).not.toHaveBeenCalled();
  });

  it('never re-parses the condition when evaluating', () => {
    const matches = compileCondition("UPPER(a) = 'B' AND $body.n >= 2");
    const spy = jest.spyOn(lexerModule, 'tokenize');
    const msg = message({ properties: { a: 'b' }, json: { n: 2 } });
    for (let i = 0; i < 100; i++) expect(matches(msg)).toBe(true);
    expect(spy).not.toHaveBeenCalled();
  });
});
