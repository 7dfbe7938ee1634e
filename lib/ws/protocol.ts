/**
 * The WebSocket device protocol: JSON frames with an `action`, and the hub's replies. Pure.
 * Parsing never throws: malformed input becomes a ProtocolError the handler sends back as an
 * error frame, and the connection stays usable.
 */
import { BadRequestError, HubError, PayloadTooLargeError } from '../errors';
import { checkSize, messageFromProperties, type DeviceMessage } from '../d2c/telemetry';
import { defineProperty, SETTABLE_FIELDS, type MessageProperties } from '../messageProperties';

/**
 * The system properties a `send` frame may carry, as top-level fields named as in
 * lib/messageProperties.ts: the settable ones but the Digital Twins pair (dt-subject,
 * dt-dataschema), which the frame protocol has never carried.
 */
const FRAME_FIELDS = SETTABLE_FIELDS.filter((f) => f !== 'subject' && f !== 'dataSchema');

/** API Gateway's WebSocket message limit. */
export const MAX_FRAME_BYTES = 128 * 1024;
export const MAX_BATCH_MESSAGES = 100;

export interface SendFrame {
  action: 'send';
  /** Client-chosen id echoed in the ack; also the message id unless `properties` set one. */
  messageId?: string;
  message: DeviceMessage;
}
export interface SendBatchFrame {
  action: 'sendBatch';
  messages: { messageId?: string; message: DeviceMessage }[];
}
export interface ReceiveFrame {
  action: 'receive';
}
/** Heartbeat: keeps a quiet connection inside API Gateway's 10-minute idle timeout. */
export interface PingFrame {
  action: 'ping';
}
export interface SettleFrame {
  action: 'complete' | 'reject' | 'abandon';
  lockToken: string;
}
export type DeviceFrame = SendFrame | SendBatchFrame | ReceiveFrame | PingFrame | SettleFrame;

export interface ProtocolError {
  error: HubError;
  /** The client id of the message the error is about, when it could be read. */
  messageId?: string;
}

export type ParseResult = { frame: DeviceFrame } | ProtocolError;

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function parseFrame(raw: string | undefined): ParseResult {
  if (raw === undefined || raw === '') return { error: new BadRequestError('Empty frame: send a JSON object with an "action"') };
  if (Buffer.byteLength(raw) > MAX_FRAME_BYTES) return { error: new PayloadTooLargeError(`Frame exceeds ${MAX_FRAME_BYTES} bytes`) };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { error: new BadRequestError('Frame is not valid JSON') };
  }
  if (!isObject(value)) return { error: new BadRequestError('Frame must be a JSON object with an "action"') };
  const messageId = typeof value.messageId === 'string' ? value.messageId : undefined;
  try {
    return { frame: toFrame(value) };
  } catch (err) {
    if (err instanceof HubError) return { error: err, ...(messageId !== undefined ? { messageId } : {}) };
    return { error: new BadRequestError('Malformed frame'), ...(messageId !== undefined ? { messageId } : {}) };
  }
}

function toFrame(value: Record<string, unknown>): DeviceFrame {
  switch (value.action) {
    case 'send': {
      const { messageId, message } = deviceMessage(value, 'send');
      checkSize([message]);
      return { action: 'send', ...(messageId !== undefined ? { messageId } : {}), message };
    }
    case 'sendBatch': {
      if (!Array.isArray(value.messages) || value.messages.length === 0) {
        throw new BadRequestError('sendBatch needs a non-empty "messages" array');
      }
      if (value.messages.length > MAX_BATCH_MESSAGES) throw new BadRequestError(`sendBatch takes at most ${MAX_BATCH_MESSAGES} messages`);
      const messages = value.messages.map((m: unknown, i) => {
        if (!isObject(m)) throw new BadRequestError(`messages[${i}] must be an object`);
        return deviceMessage(m, `messages[${i}]`);
      });
      checkSize(messages.map((m) => m.message));
      return { action: 'sendBatch', messages };
    }
    case 'receive':
      return { action: 'receive' };
    case 'ping':
      return { action: 'ping' };
    case 'complete':
    case 'reject':
    case 'abandon':
      if (typeof value.lockToken !== 'string' || value.lockToken === '' || value.lockToken.length > 256) {
        throw new BadRequestError(`${value.action} needs a "lockToken" string`);
      }
      return { action: value.action, lockToken: value.lockToken };
    case undefined:
      throw new BadRequestError('Frame has no "action"');
    default:
      throw new BadRequestError(
        `Unknown action "${String(value.action).slice(0, 40)}"; use send, sendBatch, receive, complete, reject, abandon or ping`,
      );
  }
}

function deviceMessage(m: Record<string, unknown>, where: string): { messageId?: string; message: DeviceMessage } {
  const props: MessageProperties = { properties: {} };
  const str = (name: string): string | undefined => {
    const v = m[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw new BadRequestError(`${where}: "${name}" must be a string`);
    return v;
  };
  for (const field of FRAME_FIELDS) props[field] = str(field);
  if (m.properties !== undefined) {
    if (!isObject(m.properties)) throw new BadRequestError(`${where}: "properties" must be an object of strings`);
    for (const [k, v] of Object.entries(m.properties)) {
      if (typeof v !== 'string') throw new BadRequestError(`${where}: property "${k.slice(0, 40)}" must be a string`);
      defineProperty(props.properties, k, v);
    }
  }
  const rawBody = m.body;
  let body: Buffer;
  if (rawBody === undefined) body = Buffer.alloc(0);
  else if (typeof rawBody === 'string') {
    if (m.base64 === true) {
      if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(rawBody))
        throw new BadRequestError(`${where}: body is not valid base64`);
      body = Buffer.from(rawBody, 'base64');
    } else body = Buffer.from(rawBody, 'utf8');
  } else if (m.base64 === undefined) {
    // A JSON value as the body: stored as its JSON text.
    body = Buffer.from(JSON.stringify(rawBody), 'utf8');
  } else throw new BadRequestError(`${where}: a base64 body must be a string`);
  const { messageId } = props;
  return { ...(messageId !== undefined ? { messageId } : {}), message: messageFromProperties(props, body) };
}

// Replies ------------------------------------------------------------------------------------

export interface AckReply {
  type: 'ack';
  messageId: string | null;
  status: 'ok';
}
export interface NackReply {
  type: 'nack';
  messageId: string | null;
  status: number;
  code: string;
  message: string;
}
export interface ErrorReply {
  type: 'error';
  status: number;
  code: string;
  message: string;
}

export function ack(messageId: string | undefined): AckReply {
  return { type: 'ack', messageId: messageId ?? null, status: 'ok' };
}

export function nack(messageId: string | undefined, err: HubError): NackReply {
  return { type: 'nack', messageId: messageId ?? null, status: err.status, code: err.code, message: err.message };
}

export function errorReply(err: HubError): ErrorReply {
  return { type: 'error', status: err.status, code: err.code, message: err.message };
}
