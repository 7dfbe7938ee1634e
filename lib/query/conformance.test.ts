/**
 * Conformance table: (condition, message, expected match). Semantics follow Azure IoT Hub's
 * routing query docs; the README-grammar.md "Semantics" section lists the choices made where
 * the docs are silent.
 */
import { compileCondition, fromEnvelope, parseCondition } from './index';
import type { Envelope } from '../envelope';
import type { RoutableMessage } from './message';
import { message, utf16, utf32, utf8 } from './testkit';

const WEATHER = {
  Weather: {
    Temperature: 50,
    Time: '2017-03-09T00:00:00.000Z',
    PrevTemperatures: [20, 30, 40],
    IsEnabled: true,
    Location: { Street: 'One Microsoft Way', City: 'Redmond', State: 'WA' },
    HistoricalData: [
      { Month: 'Feb', Temperature: 40 },
      { Month: 'Jan', Temperature: 30 },
    ],
    Nothing: null,
  },
  'key with space': 1,
  $meta: 'm',
  name: 'Grüße 😀',
};
const WEATHER_TEXT = JSON.stringify(WEATHER);

const SYSTEM = {
  'message-id': 'mid-1',
  'correlation-id': 'cid-1',
  'user-id': 'user-1',
  'iothub-connection-device-id': 'dev-1',
  'iothub-connection-module-id': 'mod-1',
  'iothub-connection-auth-generation-id': 'gen-1',
  'iothub-connection-auth-method': '{"scope":"device"}',
  'iothub-enqueuedtime': '2024-05-01T10:00:00.000Z',
  'iothub-creation-time-utc': '2024-05-01T09:59:59.000Z',
  'iothub-message-source': 'Telemetry',
  'dt-subject': 'thermostat1',
  'dt-dataschema': 'dtmi:com:example:Thermostat;1',
};

const PROPS = {
  processingPath: 'hot',
  Severity: '3',
  verbose: 'true',
  'sensor.kind': 'thermo',
  'my-prop': 'x',
  temp: '21.5',
  Mode: 'upper',
  mode: 'lower',
  // Same name as a system property alias: must not shadow $messageId.
  messageId: 'app-mid',
};

const TAGS = { deploymentLocation: { building: '43', floor: 1 }, env: 'prod', list: [1, 2] };

function withBody(body: Uint8Array, contentType: string | undefined, contentEncoding: string | undefined) {
  return message({
    system: { 'content-type': contentType, 'content-encoding': contentEncoding },
    body,
  });
}

const M: Record<string, RoutableMessage> = {
  full: message({ json: WEATHER, system: SYSTEM, properties: PROPS, twinTags: TAGS }),
  // No JSON body, no correlation id; an application property named like a system alias.
  bare: message({ properties: { correlationId: 'cid-app', processingPath: 'cold' } }),
  ctParams: withBody(utf8(WEATHER_TEXT), 'Application/JSON; charset=utf-8', 'UTF8'),
  textPlain: withBody(utf8(WEATHER_TEXT), 'text/plain', 'utf-8'),
  noContentType: withBody(utf8(WEATHER_TEXT), undefined, 'utf-8'),
  noEncoding: withBody(utf8(WEATHER_TEXT), 'application/json', undefined),
  ascii: withBody(utf8(WEATHER_TEXT), 'application/json', 'ascii'),
  utf16le: withBody(utf16(WEATHER_TEXT), 'application/json', 'utf-16'),
  utf16bom: withBody(utf16(WEATHER_TEXT, { bigEndian: true, bom: true }), 'application/json', 'UTF16'),
  utf16be: withBody(utf16(WEATHER_TEXT, { bigEndian: true }), 'application/json', 'utf-16be'),
  utf32: withBody(utf32(WEATHER_TEXT), 'application/json', 'UTF-32'),
  utf32bom: withBody(utf32(WEATHER_TEXT, { bigEndian: true, bom: true }), 'application/json', 'utf-32'),
  utf16mislabel: withBody(utf8(WEATHER_TEXT + ' '), 'application/json', 'utf-16'),
  invalidJson: withBody(utf8('{"Weather": {"Temperature": 50'), 'application/json', 'utf-8'),
  invalidUtf8: withBody(new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), 'application/json', 'utf-8'),
  arrayBody: withBody(utf8('["x", 1]'), 'application/json', 'utf-8'),
  utf8bom: withBody(utf8('\ufeff' + WEATHER_TEXT), 'application/json', 'utf-8'),
  noTwin: message({ json: WEATHER }),
};

type Row = [condition: string, msg: keyof typeof M, expected: boolean];

const ROWS: Row[] = [
  // --- empty / literals -----------------------------------------------------------------------
  ['', 'bare', true],
  ['   \n\t ', 'bare', true],
  ['true', 'bare', true],
  ['TRUE', 'bare', true],
  ['false', 'bare', false],
  ['null', 'bare', false],
  ['undefined', 'bare', false],
  ['UnDeFiNeD', 'bare', false],
  ['\'abc\' = "abc"', 'bare', true],
  [String.raw`'it\'s' = "it's"`, 'bare', true],
  [String.raw`"say \"hi\"" = 'say "hi"'`, 'bare', true],
  [String.raw`'\u0041\/' = 'A/'`, 'bare', true],
  [String.raw`LENGTH('\b\f\n\r\t') = 5`, 'bare', true],
  [String.raw`LENGTH('\\') = 1`, 'bare', true],
  [String.raw`'\u00e9' = 'é'`, 'bare', true],
  ['0x1F = 31', 'bare', true],
  ['0XfF = 255', 'bare', true],
  ['1.5e2 = 150', 'bare', true],
  ['2E-1 = 0.2', 'bare', true],
  ['25e+1 = 250', 'bare', true],
  ['007 = 7', 'bare', true],

  // --- arithmetic -----------------------------------------------------------------------------
  ['1 + 2 * 3 = 7', 'bare', true],
  ['(1 + 2) * 3 = 9', 'bare', true],
  ['10 - 4 - 3 = 3', 'bare', true],
  ['7 / 2 = 3.5', 'bare', true],
  ['7 % 3 = 1', 'bare', true],
  ['-7 % 3 = -1', 'bare', true],
  ['-(2 + 3) = -5', 'bare', true],
  ['- -4 = 4', 'bare', true],
  ['1 / 0 = 1 / 0', 'bare', false], // division by zero is undefined
  ['IS_DEFINED(5 % 0)', 'bare', false],
  ["'a' + 'b' = 'ab'", 'bare', false], // + is numeric only: use CONCAT
  ["IS_DEFINED('a' + 1)", 'bare', false],
  ['IS_DEFINED(-processingPath)', 'full', false],
  ['AS_NUMBER(temp) * 2 = 43', 'full', true],
  ['$body.Weather.Temperature - $body.Weather.PrevTemperatures[0] = 30', 'full', true],

  // --- comparison -----------------------------------------------------------------------------
  ['1 < 2', 'bare', true],
  ['2 <= 2', 'bare', true],
  ['3 > 2', 'bare', true],
  ['2 >= 3', 'bare', false],
  ['1 != 2', 'bare', true],
  ['1 <> 1', 'bare', false],
  ["'abc' < 'abd'", 'bare', true],
  ["'B' < 'a'", 'bare', true], // ordinal
  ["'abc' = 'ABC'", 'bare', false], // string equality is case-sensitive
  ["'b' >= 'a'", 'bare', true],
  ['true = true', 'bare', true],
  ['true != false', 'bare', true],
  ['IS_DEFINED(true < false)', 'bare', false], // booleans are not ordered
  ["IS_DEFINED('1' = 1)", 'bare', false], // different types: undefined, no coercion
  ["Severity = '3'", 'full', true],
  ['Severity = 3', 'full', false], // application properties are strings
  ['NOT (Severity = 3)', 'full', false], // ... and the comparison is undefined, not false
  ['Severity != 3', 'full', false],
  ['AS_NUMBER(Severity) >= 3', 'full', true],
  ['null = null', 'bare', false],
  ['undefined = undefined', 'bare', false],
  ['NOT (null != 1)', 'bare', false],

  // --- three-valued logic ---------------------------------------------------------------------
  ['false AND missing = 1', 'bare', false],
  ['NOT (false AND missing = 1)', 'bare', true], // false AND undefined = false
  ['true OR missing = 1', 'bare', true], // true OR undefined = true
  ['missing = 1 OR true', 'bare', true],
  ['true AND missing = 1', 'bare', false],
  ['NOT (true AND missing = 1)', 'bare', false], // true AND undefined = undefined
  ['false OR missing = 1', 'bare', false],
  ['NOT (false OR missing = 1)', 'bare', false], // false OR undefined = undefined
  ['NOT missing', 'bare', false], // NOT undefined = undefined
  ['NOT NOT true', 'bare', true],
  ['not false', 'bare', true],
  ['missing = 1 OR NOT (missing = 1)', 'bare', false],
  ['true AND 1', 'bare', false], // non-boolean operand behaves as undefined
  ['NOT (true AND 1)', 'bare', false],
  ['NOT (false AND 1)', 'bare', true],
  ['true OR 1', 'bare', true],
  ['true OR false AND false', 'bare', true], // AND binds tighter than OR
  ['NOT false AND false', 'bare', false], // NOT binds tighter than AND
  ['NOT 1 = 2', 'bare', true], // ... and looser than comparison
  ['true and not false Or false', 'bare', true],
  ['(true)', 'bare', true],
  ["processingPath = 'hot' AND Severity = '3' AND verbose = 'true' AND temp = '21.5'", 'full', true],
  ["processingPath = 'cold' OR Severity = '4' OR verbose = 'false' OR temp = '21.5'", 'full', true],

  // --- system properties ----------------------------------------------------------------------
  ["$messageId = 'mid-1'", 'full', true],
  ["$MESSAGEID = 'mid-1'", 'full', true],
  ["$message-id = 'mid-1'", 'full', true],
  ["$correlationId = 'cid-1'", 'full', true],
  ["$userId = 'user-1'", 'full', true],
  ["$contentType = 'application/json'", 'full', true],
  ["$contentEncoding = 'utf-8'", 'full', true],
  ["$connectionDeviceId = 'dev-1'", 'full', true],
  ["$iothub-connection-device-id = 'dev-1'", 'full', true],
  ["$connectionModuleId = 'mod-1'", 'full', true],
  ["$connectionDeviceGenerationId = 'gen-1'", 'full', true],
  ['$connectionAuthMethod = \'{"scope":"device"}\'', 'full', true],
  ["$enqueuedTime = '2024-05-01T10:00:00.000Z'", 'full', true],
  ["$IOTHUB-ENQUEUEDTIME >= '2024-05-01'", 'full', true],
  ['$iothub-creation-time-utc < $enqueuedTime', 'full', true],
  ["$iothub-message-source = 'Telemetry'", 'full', true],
  ["$dt-subject = 'thermostat1'", 'full', true],
  ["$DT-DataSchema = 'dtmi:com:example:Thermostat;1'", 'full', true],
  ['IS_DEFINED($correlationId)', 'bare', false],
  ["$correlationId = 'cid-app'", 'bare', false], // known system names never fall back
  ["$messageId = 'app-mid'", 'full', false],
  ['$messageId-1', 'full', false], // `$messageId - 1`: string minus number is undefined

  // --- $name fallback and application properties ----------------------------------------------
  ["$processingPath = 'hot'", 'full', true],
  ["$PROCESSINGPATH = 'hot'", 'full', true],
  ["$my-prop = 'x'", 'full', true],
  ["$sensor.kind = 'thermo'", 'full', true],
  ["processingPath = 'hot'", 'full', true],
  ["PROCESSINGPATH = 'hot'", 'full', true],
  ["processingpath = 'cold'", 'bare', true],
  ["severity = '3'", 'full', true],
  ["sensor.kind = 'thermo'", 'full', true],
  ["SENSOR.KIND = 'thermo'", 'full', true],
  ["Mode = 'upper'", 'full', true], // exact case wins
  ["mode = 'lower'", 'full', true],
  ["MODE = 'lower'", 'full', true], // then the all-lower-case name
  ["missing = 'x'", 'full', false],
  ['IS_DEFINED(missing)', 'full', false],
  ['IS_DEFINED(processingPath)', 'full', true],
  ['IS_DEFINED(constructor)', 'full', false], // no inherited members
  ['IS_DEFINED(toString)', 'full', false],
  ['verbose', 'full', false], // the string 'true' is not the boolean true
  ["verbose = 'true'", 'full', true],

  // --- $body ----------------------------------------------------------------------------------
  ['$body.Weather.Temperature = 50', 'full', true],
  ["$body.Weather.HistoricalData[0].Month = 'Feb'", 'full', true],
  ['$body.Weather.HistoricalData[1].Temperature < $body.Weather.HistoricalData[0].Temperature', 'full', true],
  ['$body.Weather.IsEnabled', 'full', true],
  ['$body.Weather.Temperature = 50 AND $body.Weather.IsEnabled', 'full', true],
  ["$body.Weather.Temperature = 50 AND processingPath = 'hot'", 'full', true],
  ['length($body.Weather.Location.State) = 2', 'full', true],
  ['$body.weather.temperature = 50', 'full', false], // body paths are case-sensitive
  ["$body['key with space'] = 1", 'full', true],
  ["$body['Weather']['Location'].City = 'Redmond'", 'full', true],
  ["$body.$meta = 'm'", 'full', true],
  ["$body.name = 'Grüße 😀'", 'full', true],
  ['$body.Weather.PrevTemperatures[2] = 40', 'full', true],
  ['IS_DEFINED($body.Weather.PrevTemperatures[3])', 'full', false],
  ['IS_ARRAY($body.Weather.PrevTemperatures)', 'full', true],
  ['IS_OBJECT($body.Weather.Location)', 'full', true],
  ['IS_NULL($body.Weather.Nothing)', 'full', true],
  ['IS_DEFINED($body.Weather.Nothing)', 'full', true],
  ['$body.Weather.Nothing = null', 'full', false],
  ['IS_DEFINED($body.Weather.Location[0])', 'full', false], // index on an object
  ['IS_DEFINED($body.Weather.PrevTemperatures.length)', 'full', false], // key on an array
  ['IS_DEFINED($body.constructor)', 'full', false],
  ['IS_DEFINED($body.Weather.toString)', 'full', false],
  ['IS_DEFINED($body.__proto__)', 'full', false],
  ['IS_DEFINED($body)', 'full', false], // whole-body references are not supported
  ["$body[0] = 'x'", 'arrayBody', false],
  ['$body.Weather.Temperature = 50', 'ctParams', true],
  ['$body.Weather.Temperature = 50', 'textPlain', false],
  ['$body.Weather.Temperature = 50', 'noContentType', false],
  ['$body.Weather.Temperature = 50', 'noEncoding', false],
  ['$body.Weather.Temperature = 50', 'ascii', false],
  ["$body.Weather.Temperature = 50 AND $body.name = 'Grüße 😀'", 'utf16le', true],
  ["$body.Weather.Temperature = 50 AND $body.name = 'Grüße 😀'", 'utf16bom', true],
  ["$body.Weather.Temperature = 50 AND $body.name = 'Grüße 😀'", 'utf16be', true],
  ["$body.Weather.Temperature = 50 AND $body.name = 'Grüße 😀'", 'utf32', true],
  ["$body.Weather.Temperature = 50 AND $body.name = 'Grüße 😀'", 'utf32bom', true],
  ['$body.Weather.Temperature = 50', 'utf8bom', true],
  ['IS_DEFINED($body.Weather)', 'utf16mislabel', false],
  ['IS_DEFINED($body.Weather)', 'invalidJson', false],
  ['IS_DEFINED($body.a)', 'invalidUtf8', false],
  ["IS_DEFINED($body.Weather) OR $connectionDeviceId = 'dev-1'", 'invalidJson', true],

  // --- $twin ----------------------------------------------------------------------------------
  ["$twin.tags.deploymentLocation.building = '43'", 'full', true],
  ["$twin.tags.DEPLOYMENTLOCATION.Building = '43'", 'full', false], // tag keys are case-sensitive, as twin keys are
  ["$twin.tags.deploymentLocation.Building = '43'", 'full', false],
  ["$TWIN.TAGS.deploymentLocation.building = '43'", 'full', true], // the $twin.tags keywords are not keys
  ['$twin.tags.deploymentLocation.floor = 1', 'full', true],
  ["$TWIN.TAGS.env = 'prod'", 'full', true],
  ['$twin.tags.list[1] = 2', 'full', true],
  ['IS_OBJECT($twin.tags)', 'full', true],
  ['IS_DEFINED($twin.tags.nope)', 'full', false],
  ['IS_DEFINED($twin.properties.desired)', 'full', false], // only tags are available
  ["$twin.tags.env = 'prod'", 'noTwin', false],

  // --- functions ------------------------------------------------------------------------------
  ['ABS(-5) = 5', 'bare', true],
  ["IS_DEFINED(ABS('x'))", 'bare', false],
  ['EXP(0) = 1', 'bare', true],
  ['POWER(2, 10) = 1024', 'bare', true],
  ['IS_DEFINED(POWER(0, -1))', 'bare', false],
  ['SQUARE(3) = 9', 'bare', true],
  ['CEILING(1.2) = 2 AND CEILING(-1.2) = -1', 'bare', true],
  ['FLOOR(1.8) = 1 AND FLOOR(-1.2) = -2', 'bare', true],
  ['SIGN(-3) = -1 AND SIGN(0) = 0 AND SIGN(2.5) = 1', 'bare', true],
  ['SQRT(16) = 4', 'bare', true],
  ['IS_DEFINED(SQRT(-1))', 'bare', false],
  ["AS_NUMBER('42') = 42", 'bare', true],
  ["AS_NUMBER(' 1e3 ') = 1000", 'bare', true],
  ["IS_DEFINED(AS_NUMBER('0x10'))", 'bare', false],
  ["IS_DEFINED(AS_NUMBER(''))", 'bare', false],
  ['AS_NUMBER(7) = 7', 'bare', true],
  ['IS_DEFINED(AS_NUMBER(true))', 'bare', false],
  ["IS_BOOL(true) AND NOT IS_BOOL('true')", 'bare', true],
  ["IS_NUMBER(1) AND NOT IS_NUMBER('1')", 'bare', true],
  ["IS_STRING('') AND NOT IS_STRING(1)", 'bare', true],
  ['IS_OBJECT($body.Weather) AND NOT IS_OBJECT($body.Weather.PrevTemperatures)', 'full', true],
  ["IS_PRIMITIVE('x') AND IS_PRIMITIVE(null) AND NOT IS_PRIMITIVE($body.Weather)", 'full', true],
  ['IS_NULL(null) AND NOT IS_NULL(missing) AND IS_DEFINED(null) AND NOT IS_DEFINED(undefined)', 'bare', true],
  ['IS_ARRAY($body.Weather.PrevTemperatures) AND NOT IS_ARRAY($body.Weather)', 'full', true],
  ["CONCAT('a', 'b') = 'ab'", 'bare', true],
  ["CONCAT('a', $connectionDeviceId, '-', processingPath) = 'adev-1-hot'", 'full', true],
  ["IS_DEFINED(CONCAT('a', 1))", 'bare', false],
  ["LENGTH('héllo') = 5", 'bare', true],
  ['IS_DEFINED(LENGTH(1))', 'bare', false],
  ["LOWER('ABC') = 'abc'", 'bare', true],
  ["UPPER($connectionDeviceId) = 'DEV-1'", 'full', true],
  ["SUBSTRING('hello', 1, 3) = 'ell'", 'bare', true],
  ["SUBSTRING('hello', 2) = 'llo'", 'bare', true],
  ["SUBSTRING('hello', 10) = ''", 'bare', true],
  ["SUBSTRING('hello', -2, 2) = 'he'", 'bare', true],
  ['IS_DEFINED(SUBSTRING(1, 1))', 'bare', false],
  ["INDEX_OF('hello', 'l') = 2", 'bare', true],
  ["INDEX_OF('hello', 'z') = -1", 'bare', true],
  ["STARTS_WITH($messageId, 'mid')", 'full', true],
  ["STARTSWITH('abc', 'b')", 'bare', false],
  ["ENDS_WITH('abc', 'bc')", 'bare', true],
  ["endswith('abc', 'a')", 'bare', false],
  ["CONTAINS('abc', 'b')", 'bare', true],
  ["contains('abc', 'B')", 'bare', false],
  ["IS_DEFINED(STARTS_WITH(1, 'a'))", 'bare', false],
  ["length('ab') = 2 AND Is_Defined(processingPath)", 'bare', true],
  ["UPPER(SUBSTRING(CONCAT(processingPath, '-path'), 0, 3)) = 'HOT'", 'full', true],
];

describe('conformance table', () => {
  it('has at least 70 rows', () => {
    expect(ROWS.length).toBeGreaterThanOrEqual(70);
  });

  it.each(ROWS)('%s  [%s] -> %s', (condition, msg, expected) => {
    const matches = compileCondition(condition);
    expect(matches(M[msg] as RoutableMessage)).toBe(expected);
    // Evaluating again (cached body / property map) gives the same answer.
    expect(matches(M[msg] as RoutableMessage)).toBe(expected);
  });
});

describe('parsing details', () => {
  it('reads `$name-1` as a subtraction and `$dt-subject` as one name', () => {
    expect(parseCondition('$messageId-1')).toMatchObject({ kind: 'binary', op: '-' });
    expect(parseCondition('$dt-subject')).toMatchObject({ kind: 'system', key: 'dt-subject' });
    expect(parseCondition('$a-b')).toMatchObject({ kind: 'app', name: 'a-b', dollar: true });
    expect(parseCondition('$a - b')).toMatchObject({ kind: 'binary', op: '-' });
  });

  it('reads `<>` as `!=` and folds AND/OR chains into one node', () => {
    expect(parseCondition('a <> b')).toMatchObject({ kind: 'binary', op: '!=' });
    const ast = parseCondition('a = 1 OR b = 2 OR c = 3 AND d = 4');
    expect(ast).toMatchObject({ kind: 'logical', op: 'OR' });
    expect(ast.kind === 'logical' && ast.operands.length).toBe(3);
  });

  it('parses an empty condition as the literal true', () => {
    expect(parseCondition('  ')).toEqual({ kind: 'literal', pos: 0, value: true });
  });
});

describe('fromEnvelope', () => {
  const envelope: Envelope = {
    schemaVersion: 1,
    deviceId: 'dev-9',
    moduleId: null,
    messageSource: 'Telemetry',
    enqueuedTime: '2024-05-01T10:00:00.000Z',
    systemProperties: {
      'message-id': 'm-9',
      'content-type': 'application/json',
      'content-encoding': 'utf-8',
      'iothub-connection-device-id': 'dev-9',
      'iothub-connection-auth-method': '{}',
      'iothub-enqueuedtime': '2024-05-01T10:00:00.000Z',
      'iothub-message-source': 'Telemetry',
    },
    properties: { Alert: 'yes' },
    body: Buffer.from(JSON.stringify({ t: 31 })).toString('base64'),
  };

  it('decodes the base64 body and keeps properties', () => {
    const msg = fromEnvelope(envelope, { site: 'A' });
    expect(Buffer.from(msg.body).toString()).toBe('{"t":31}');
    expect(compileCondition("$body.t > 30 AND alert = 'yes' AND $messageId = 'm-9' AND $twin.tags.site = 'A'")(msg)).toBe(true);
    expect(compileCondition("$connectionModuleId = 'x'")(msg)).toBe(false);
  });

  it('fills identity system properties from the envelope fields', () => {
    const sparse = { ...envelope, moduleId: 'mod-2', systemProperties: {} as Envelope['systemProperties'] };
    const msg = fromEnvelope(sparse);
    expect(msg.systemProperties['iothub-connection-device-id']).toBe('dev-9');
    expect(msg.systemProperties['iothub-connection-module-id']).toBe('mod-2');
    expect(msg.systemProperties['iothub-enqueuedtime']).toBe('2024-05-01T10:00:00.000Z');
    expect(msg.twinTags).toBeUndefined();
  });
});
