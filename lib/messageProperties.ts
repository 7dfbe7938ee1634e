/**
 * IoT Hub message properties on the wire, in one place: the `iothub-*` HTTP headers of the device
 * and service REST contracts (D2C send, C2D send and receive), and the same properties as the
 * camel-case fields of devhub's WebSocket frames and client objects. D2C, C2D, the WebSocket
 * protocol, the clients and the browser console all map through here.
 *
 * Pure and lossless: it only names and renames. What a value may contain (IoT Hub's character
 * set, lengths, sizes) is checked by the domain that accepts it (lib/d2c/telemetry.ts,
 * lib/c2d/wire.ts). No Node APIs: the browser console bundles this file too.
 */

/**
 * Every IoT Hub property that travels as its own header, by its field name in frames and client
 * objects. Header names are lower-case (HTTP header names are case-insensitive; API Gateway
 * payload 2.0 delivers them lower-cased).
 */
export const PROPERTY_HEADERS = {
  messageId: 'iothub-messageid',
  correlationId: 'iothub-correlationid',
  userId: 'iothub-userid',
  contentType: 'iothub-contenttype',
  contentEncoding: 'iothub-contentencoding',
  creationTimeUtc: 'iothub-creation-time-utc',
  subject: 'dt-subject',
  dataSchema: 'dt-dataschema',
  to: 'iothub-to',
  ack: 'iothub-ack',
  expiry: 'iothub-expiry',
  /** Time to live in seconds: a devhub extension (IoT Hub's REST API takes only iothub-expiry). */
  ttl: 'iothub-ttl',
  sequenceNumber: 'iothub-sequencenumber',
  deliveryCount: 'iothub-deliverycount',
  enqueuedTime: 'iothub-enqueuedtime',
} as const;

export type PropertyField = keyof typeof PROPERTY_HEADERS;

/** Application property `k` travels as header `iothub-app-k` (the name keeps its case). */
export const APP_PROPERTY_PREFIX = 'iothub-app-';

/** The system properties a device (or a service sending to one) may set on a message. */
export const SETTABLE_FIELDS = [
  'messageId',
  'correlationId',
  'userId',
  'contentType',
  'contentEncoding',
  'creationTimeUtc',
  'subject',
  'dataSchema',
] as const satisfies readonly PropertyField[];
export type SettableField = (typeof SETTABLE_FIELDS)[number];

/** A message's properties as fields: system properties by field name, application properties by their own name. */
export type MessageProperties = { [F in PropertyField]?: string } & { properties: Record<string, string> };

/** What `headersFromProperties` reads: any object with (some of) the fields; others are ignored. */
export type PropertiesInput = { [F in PropertyField]?: string | undefined } & { properties?: Readonly<Record<string, string>> | undefined };

const FIELD_BY_HEADER: ReadonlyMap<string, PropertyField> = new Map(
  Object.entries(PROPERTY_HEADERS).map(([field, header]) => [header, field as PropertyField]),
);

/** Sets `name` as an own data property (a name such as `__proto__` must not reach the prototype). */
export function defineProperty(target: Record<string, string>, name: string, value: string): void {
  Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
}

/** The headers that carry these properties: the set fields, then one `iothub-app-*` header per application property. */
export function headersFromProperties(props: PropertiesInput): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [field, header] of Object.entries(PROPERTY_HEADERS)) {
    const value = props[field as PropertyField];
    if (value !== undefined) headers[header] = value;
  }
  for (const [name, value] of Object.entries(props.properties ?? {})) headers[`${APP_PROPERTY_PREFIX}${name}`] = value;
  return headers;
}

/**
 * The properties some headers carry. Header names match case-insensitively; an application
 * property keeps the case of the name after the prefix (batch entries and HTTP/2 clients keep it;
 * API Gateway lower-cases). A header API Gateway received more than once arrives as one value
 * with the repeats joined by commas; it stays one value here (IoT Hub's property value character
 * set has no comma, so the D2C rules then refuse it). Other headers and undefined values are ignored.
 */
export function propertiesFromHeaders(headers: Readonly<Record<string, string | undefined>>): MessageProperties {
  const props: MessageProperties = { properties: {} };
  for (const [rawName, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const name = rawName.toLowerCase();
    const field = FIELD_BY_HEADER.get(name);
    if (field !== undefined) props[field] = value;
    else if (name.startsWith(APP_PROPERTY_PREFIX)) defineProperty(props.properties, rawName.slice(APP_PROPERTY_PREFIX.length), value);
  }
  return props;
}

/** The ETag header value that carries a C2D lock token. */
export function lockTokenEtag(lockToken: string): string {
  return `"${lockToken}"`;
}

/** A lock token as a device sends it back or an ETag carries it (the quotes tolerated). */
export function unquoteLockToken(raw: string): string {
  const t = raw.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1) : t;
}
