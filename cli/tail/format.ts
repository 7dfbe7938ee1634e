/**
 * How `devhub tail` shows a built-in endpoint envelope to a person, in the manner of
 * `az iot hub monitor-events`: the payload decoded by its content type and encoding (JSON
 * pretty-printed, text as text, base64 only for binary), the device, the enqueued time, and
 * on request the application and system properties. Pure.
 */
import type { Envelope } from '../../lib/envelope';
import type { Palette } from '../colors';

export type DecodedBody =
  { kind: 'json'; text: string } | { kind: 'text'; text: string } | { kind: 'binary'; base64: string; bytes: number };

const JSON_TYPE = /^(application\/([\w.+-]+\+)?json|text\/json)\s*(;|$)/i;
const TEXT_TYPE =
  /^(text\/|application\/([\w.+-]+\+)?xml\s*(;|$)|application\/(x-www-form-urlencoded|javascript|yaml|x-yaml|csv)\s*(;|$))/i;

function charsetOf(contentType: string, contentEncoding: string | undefined): string {
  const fromType = /;\s*charset="?([\w-]+)"?/i.exec(contentType)?.[1];
  return (contentEncoding || fromType || 'utf-8').toLowerCase();
}

function decodeText(bytes: Buffer, charset: string): string | undefined {
  try {
    return new TextDecoder(charset, { fatal: true }).decode(bytes);
  } catch {
    return undefined; // not that encoding, or an encoding we cannot name
  }
}

// Control characters other than tab, newline and carriage return mark a payload as binary.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

export function decodeBody(e: Envelope): DecodedBody {
  const bytes = Buffer.from(e.body, 'base64');
  const contentType = e.systemProperties['content-type'] ?? '';
  const text = decodeText(bytes, charsetOf(contentType, e.systemProperties['content-encoding']));
  const binary: DecodedBody = { kind: 'binary', base64: e.body, bytes: bytes.length };
  if (text === undefined) return binary;
  if (JSON_TYPE.test(contentType)) {
    try {
      return { kind: 'json', text: JSON.stringify(JSON.parse(text), null, 2) };
    } catch {
      return { kind: 'text', text }; // says JSON, is not: show what it is
    }
  }
  if (TEXT_TYPE.test(contentType)) return { kind: 'text', text };
  // No content type: text when it reads as text. Any other type is binary.
  if (contentType === '' && !CONTROL.test(text)) return { kind: 'text', text };
  return binary;
}

export function formatEnvelope(e: Envelope, opts: { props: boolean }, c: Palette): string {
  const sys = e.systemProperties;
  const header = [
    c.cyan(c.bold(e.moduleId ? `${e.deviceId}/${e.moduleId}` : e.deviceId)),
    c.dim(e.enqueuedTime),
    e.messageSource === 'Telemetry' ? '' : c.yellow(e.messageSource),
    sys['message-id'] ? c.dim(`message-id ${sys['message-id']}`) : '',
  ].filter((s) => s !== '');
  const lines = [header.join('  ')];
  const body = decodeBody(e);
  if (body.kind === 'binary') lines.push(c.dim(`(binary, ${body.bytes} bytes, base64)`), body.base64);
  else if (body.text === '') lines.push(c.dim('(empty body)'));
  else lines.push(body.text);
  if (opts.props) {
    const app = Object.entries(e.properties);
    lines.push(c.bold('properties:') + (app.length === 0 ? c.dim(' (none)') : ''));
    for (const [k, v] of app) lines.push(`  ${k}: ${v}`);
    lines.push(c.bold('system properties:'));
    for (const [k, v] of Object.entries(sys)) if (v !== undefined) lines.push(`  ${k}: ${String(v)}`);
  }
  return `${lines.join('\n')}\n`;
}
