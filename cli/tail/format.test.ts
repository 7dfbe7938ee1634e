import type { Envelope } from '../../lib/envelope';
import { COLORS, PLAIN } from '../colors';
import { decodeBody, formatEnvelope } from './format';

function envelope(
  body: Buffer | string,
  sys: Partial<Envelope['systemProperties']> = {},
  properties: Record<string, string> = {},
): Envelope {
  return {
    schemaVersion: 1,
    deviceId: 'thermostat-1',
    moduleId: null,
    messageSource: 'Telemetry',
    enqueuedTime: '2026-12-01T09:00:00.000Z',
    systemProperties: {
      'iothub-connection-device-id': 'thermostat-1',
      'iothub-connection-auth-method': '{}',
      'iothub-enqueuedtime': '2026-12-01T09:00:00.000Z',
      'iothub-message-source': 'Telemetry',
      ...sys,
    },
    properties,
    body: Buffer.from(body).toString('base64'),
  };
}

describe('devhub tail, decoded view', () => {
  it('pretty-prints JSON when the content type says JSON (including +json and a charset)', () => {
    expect(decodeBody(envelope('{"temp":21,"ok":true}', { 'content-type': 'application/json' }))).toEqual({
      kind: 'json',
      text: '{\n  "temp": 21,\n  "ok": true\n}',
    });
    expect(decodeBody(envelope('[1]', { 'content-type': 'application/vnd.acme+json; charset=utf-8' })).kind).toBe('json');
  });

  it('decodes the named encoding (UTF-16) before parsing', () => {
    const utf16 = Buffer.from('{"n":"ø"}', 'utf16le');
    expect(decodeBody(envelope(utf16, { 'content-type': 'application/json', 'content-encoding': 'utf-16le' }))).toEqual({
      kind: 'json',
      text: '{\n  "n": "ø"\n}',
    });
  });

  it('shows text as text: text types, and bodies without a content type that read as text', () => {
    expect(decodeBody(envelope('hello', { 'content-type': 'text/plain' }))).toEqual({ kind: 'text', text: 'hello' });
    expect(decodeBody(envelope('line 1\nline 2'))).toEqual({ kind: 'text', text: 'line 1\nline 2' });
    // Claims JSON, is not: shown as the text it is rather than dropped.
    expect(decodeBody(envelope('not json', { 'content-type': 'application/json' }))).toEqual({ kind: 'text', text: 'not json' });
  });

  it('uses base64 only for binary: invalid UTF-8, control bytes, or a binary content type', () => {
    expect(decodeBody(envelope(Buffer.from([0xff, 0xfe, 0x00])))).toMatchObject({ kind: 'binary', bytes: 3 });
    expect(decodeBody(envelope(Buffer.from([0x00, 0x01, 0x41])))).toMatchObject({ kind: 'binary', base64: 'AAFB' });
    expect(decodeBody(envelope('abc', { 'content-type': 'application/octet-stream' }))).toMatchObject({ kind: 'binary', base64: 'YWJj' });
    expect(decodeBody(envelope(Buffer.from([0xc3]), { 'content-type': 'text/plain' }))).toMatchObject({ kind: 'binary' });
  });

  it('prints the device, time and payload; properties only with --props; colour only when asked', () => {
    const e = envelope('{"temp":21}', { 'content-type': 'application/json', 'message-id': 'm1' }, { alert: 'high' });
    const plain = formatEnvelope(e, { props: false }, PLAIN);
    expect(plain).toBe('thermostat-1  2026-12-01T09:00:00.000Z  message-id m1\n{\n  "temp": 21\n}\n');
    const withProps = formatEnvelope(e, { props: true }, PLAIN);
    expect(withProps).toContain('properties:\n  alert: high\nsystem properties:\n  iothub-connection-device-id: thermostat-1');
    expect(withProps).toContain('  content-type: application/json');
    expect(plain).not.toContain('\x1b[');
    expect(formatEnvelope(e, { props: false }, COLORS)).toContain('\x1b[36m');
    expect(formatEnvelope(envelope(Buffer.from([0, 1])), { props: false }, PLAIN)).toContain('(binary, 2 bytes, base64)\nAAE=');
  });
});
