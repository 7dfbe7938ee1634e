/**
 * The one IoT Hub property ↔ header mapping: examples, then properties over random input
 * (round trips both ways, header-name case, comma-joined repeats as API Gateway delivers them).
 */
import fc from 'fast-check';
import { messageFromHeaders } from './d2c/telemetry';
import { BadRequestError } from './errors';
import {
  APP_PROPERTY_PREFIX,
  headersFromProperties,
  lockTokenEtag,
  PROPERTY_HEADERS,
  propertiesFromHeaders,
  unquoteLockToken,
  type MessageProperties,
  type PropertyField,
} from './messageProperties';

const FIELDS = Object.keys(PROPERTY_HEADERS) as PropertyField[];

describe('examples', () => {
  it('writes IoT Hub header names', () => {
    expect(
      headersFromProperties({
        messageId: 'm',
        correlationId: 'c',
        userId: 'u',
        contentType: 'application/json',
        contentEncoding: 'utf-8',
        creationTimeUtc: '2026-01-01T00:00:00Z',
        subject: 's',
        dataSchema: 'd',
        to: '/devices/d/messages/devicebound',
        ack: 'full',
        expiry: '2026-01-02T00:00:00.000Z',
        ttl: '60',
        sequenceNumber: '7',
        deliveryCount: '0',
        enqueuedTime: '2026-01-01T00:00:01.000Z',
        properties: { Temp: '21', 'a-b': 'x' },
      }),
    ).toEqual({
      'iothub-messageid': 'm',
      'iothub-correlationid': 'c',
      'iothub-userid': 'u',
      'iothub-contenttype': 'application/json',
      'iothub-contentencoding': 'utf-8',
      'iothub-creation-time-utc': '2026-01-01T00:00:00Z',
      'dt-subject': 's',
      'dt-dataschema': 'd',
      'iothub-to': '/devices/d/messages/devicebound',
      'iothub-ack': 'full',
      'iothub-expiry': '2026-01-02T00:00:00.000Z',
      'iothub-ttl': '60',
      'iothub-sequencenumber': '7',
      'iothub-deliverycount': '0',
      'iothub-enqueuedtime': '2026-01-01T00:00:01.000Z',
      'iothub-app-Temp': '21',
      'iothub-app-a-b': 'x',
    });
  });

  it('leaves unset fields out and ignores fields that are not properties', () => {
    const input = { messageId: 'm', userId: undefined, body: 'not a header' } as Parameters<typeof headersFromProperties>[0];
    expect(headersFromProperties(input)).toEqual({ 'iothub-messageid': 'm' });
  });

  it('reads headers in any case, keeps the case of property names, ignores other headers', () => {
    expect(
      propertiesFromHeaders({
        'IoTHub-MessageId': 'm',
        'IOTHUB-APP-Temp': '21',
        authorization: 'SharedAccessSignature ...',
        'content-type': 'text/plain',
        'iothub-userid': undefined,
      }),
    ).toEqual({ messageId: 'm', properties: { Temp: '21' } });
  });

  it('keeps an empty property name and a comma-joined value for the domain to judge', () => {
    expect(propertiesFromHeaders({ 'iothub-app-': 'x', 'iothub-app-k': 'a,b' }).properties).toEqual({ '': 'x', k: 'a,b' });
  });

  it('stores a property named __proto__ as data', () => {
    const { properties } = propertiesFromHeaders({ 'iothub-app-__proto__': 'x' });
    expect(Object.getPrototypeOf(properties)).toBe(Object.prototype);
    expect(Object.keys(properties)).toEqual(['__proto__']);
    expect(headersFromProperties({ properties })).toEqual(JSON.parse('{"iothub-app-__proto__":"x"}'));
  });

  it('quotes a lock token as an ETag and takes the quotes off again', () => {
    expect(lockTokenEtag('abc')).toBe('"abc"');
    expect(unquoteLockToken(' "abc" ')).toBe('abc');
    expect(unquoteLockToken('abc')).toBe('abc');
    expect(unquoteLockToken('"')).toBe('"');
  });
});

// Arbitraries ---------------------------------------------------------------------------------

/** Property names: anything, with the ones that have bitten before (prototype names, case, empty). */
const propertyName = fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'Temp', 'temp', '', 'iothub-messageid'));
const propertiesArb: fc.Arbitrary<MessageProperties> = fc
  .tuple(
    fc.record(Object.fromEntries(FIELDS.map((f) => [f, fc.string()])) as Record<PropertyField, fc.Arbitrary<string>>, {
      requiredKeys: [],
    }),
    fc.array(fc.tuple(propertyName, fc.string()), { maxLength: 6 }),
  )
  .map(([system, pairs]) => {
    const properties: Record<string, string> = {};
    for (const [k, v] of pairs) Object.defineProperty(properties, k, { value: v, enumerable: true, writable: true, configurable: true });
    return { ...system, properties };
  });

/** The same name with each letter in a random case (HTTP header names are case-insensitive). */
function recase(name: string, flips: readonly boolean[]): string {
  return [...name].map((c, i) => (flips[i % Math.max(flips.length, 1)] ? c.toUpperCase() : c.toLowerCase())).join('');
}
const flipsArb = fc.array(fc.boolean(), { minLength: 1, maxLength: 40 });

describe('properties', () => {
  it('properties → headers → properties is the identity', () => {
    fc.assert(
      fc.property(propertiesArb, (props) => {
        expect(propertiesFromHeaders(headersFromProperties(props))).toEqual(props);
      }),
      { numRuns: 500 },
    );
  });

  it('headers → properties → headers gives back every property header, names lower-cased but for the property name', () => {
    const headerArb = fc.dictionary(
      fc.oneof(
        fc.constantFrom(...Object.values(PROPERTY_HEADERS)),
        propertyName.map((n) => `${APP_PROPERTY_PREFIX}${n}`),
        fc.constantFrom('authorization', 'content-type', 'x-other'),
      ),
      fc.string(),
      { noNullPrototype: true },
    );
    fc.assert(
      fc.property(headerArb, flipsArb, (headers, flips) => {
        const sent = Object.fromEntries(Object.entries(headers).map(([name, value]) => [recaseHeader(name, flips), value]));
        const expected = Object.fromEntries(
          Object.entries(headers).filter(
            ([name]) => name.startsWith(APP_PROPERTY_PREFIX) || FIELDS.some((f) => PROPERTY_HEADERS[f] === name),
          ),
        );
        expect(headersFromProperties(propertiesFromHeaders(sent))).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('header names match in any case', () => {
    fc.assert(
      fc.property(propertiesArb, flipsArb, (props, flips) => {
        const recased = Object.fromEntries(Object.entries(headersFromProperties(props)).map(([n, v]) => [recaseHeader(n, flips), v]));
        expect(propertiesFromHeaders(recased)).toEqual(props);
      }),
      { numRuns: 500 },
    );
  });

  it('a header sent several times arrives as API Gateway joins it (one value, commas), and D2C refuses it as a property', () => {
    const token = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+\-.^_`|~]{1,12}$/);
    const sent = fc.array(fc.tuple(fc.constantFrom('iothub-app-k', 'iothub-messageid', 'iothub-correlationid'), token), {
      minLength: 1,
      maxLength: 8,
    });
    fc.assert(
      fc.property(sent, flipsArb, (pairs, flips) => {
        const delivered = apiGatewayHeaders(pairs.map(([name, value]) => [recase(name, flips), value]));
        const props = propertiesFromHeaders(delivered);
        const valuesOf = (header: string) => pairs.filter(([name]) => name === header).map(([, value]) => value);
        const joined = (header: string) => (valuesOf(header).length === 0 ? undefined : valuesOf(header).join(','));
        expect(props.properties.k).toBe(joined('iothub-app-k'));
        expect(props.messageId).toBe(joined('iothub-messageid'));
        expect(props.correlationId).toBe(joined('iothub-correlationid'));
        if (valuesOf('iothub-app-k').length > 1) {
          expect(() => messageFromHeaders(delivered, Buffer.alloc(0))).toThrow(BadRequestError);
        }
      }),
      { numRuns: 300 },
    );
  });
});

/** Header names as a client may send them: the IoT Hub part in any case, a property name as it is. */
function recaseHeader(name: string, flips: readonly boolean[]): string {
  if (!name.startsWith(APP_PROPERTY_PREFIX)) return recase(name, flips);
  return recase(APP_PROPERTY_PREFIX, flips) + name.slice(APP_PROPERTY_PREFIX.length);
}

/**
 * API Gateway HTTP API payload 2.0: header names lower-cased, a repeated header delivered once
 * with its values joined by commas in the order sent.
 */
function apiGatewayHeaders(pairs: readonly (readonly [string, string])[]): Record<string, string> {
  const out = new Map<string, string>();
  for (const [name, value] of pairs) {
    const key = name.toLowerCase();
    const before = out.get(key);
    out.set(key, before === undefined ? value : `${before},${value}`);
  }
  return Object.fromEntries(out);
}
