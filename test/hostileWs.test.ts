/**
 * Hostile input over the WebSocket: fast-check generates frames (random JSON and non-JSON
 * text, binary, huge, deeply nested, malformed actions with CR/LF and garbage in every field)
 * against the running test hub. Every frame gets an answer or none, never a 5xx-status frame,
 * a stack trace, a hang or a closed connection; only acknowledged messages reach the stream.
 */
import fc from 'fast-check';
import WebSocket from 'ws';
import { WsDevice } from '../client/wsDevice';
import { hubInfo, kinesis, newDevice, StreamWatcher } from './support/hub';
import { deviceToken, hubAnswers, leaksInternals, nowSeconds, telemetryOf } from './support/security';

const k = kinesis();
afterAll(() => k.destroy());

const RUNS = 100;
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2_147_483_647);

interface Frame {
  text: string;
  parsed: Record<string, unknown> | undefined;
}

const asciiText = fc.string({ maxLength: 30 });
const anyText = fc.string({ unit: 'binary', maxLength: 30 });
const messageId = fc.oneof(asciiText, fc.integer(), fc.constant(null), fc.constant('m'.repeat(200)), fc.constant('a\r\nb'));
const propertyValue = fc.oneof(
  fc.constantFrom('v', 'a\r\nb', '\n', 'x\u0000y', 'ü', '', ' '),
  anyText,
  fc.integer(),
  fc.constant(null),
  fc.constant({}),
);
const messageFields = fc.record(
  {
    messageId,
    properties: fc.oneof(
      fc.dictionary(fc.oneof(asciiText, fc.constantFrom('__proto__', 'constructor', 'a b', 'ü', '')), propertyValue, { maxKeys: 4 }),
      fc.constantFrom(null, [], 'x', 1),
    ),
    body: fc.oneof(
      anyText,
      fc.json().map((j) => JSON.parse(j) as unknown),
      fc.constantFrom('!!!', 'eA=', 'eA===', 'Zm9v\nYmFy', ''),
    ),
    base64: fc.oneof(fc.boolean(), fc.constant('true'), fc.constant(1)),
    contentType: fc.oneof(asciiText, fc.constant('a\r\nb'), fc.integer()),
    correlationId: fc.oneof(asciiText, fc.constant('x\u0001y')),
    creationTimeUtc: fc.oneof(asciiText, fc.constant('2026-13-45T99:99:99Z')),
  },
  { requiredKeys: [] },
);
const actionFrame = fc
  .tuple(
    fc.oneof(
      { arbitrary: fc.constantFrom('send', 'sendBatch', 'receive', 'complete', 'reject', 'abandon'), weight: 6 },
      { arbitrary: fc.oneof(asciiText, fc.constantFrom(null, 1, true, 'SEND', '__proto__', '$connect', '$disconnect')), weight: 1 },
    ),
    messageFields,
    fc.oneof(
      fc.array(fc.oneof(messageFields, fc.constant(null), fc.integer()), { maxLength: 5 }),
      fc.constant('x'),
      fc.integer({ min: 101, max: 300 }).map((n) => Array.from({ length: n }, () => ({ body: 'x' }))),
    ),
    fc.oneof(fc.uuid(), asciiText, fc.constant(''), fc.constant('l'.repeat(300)), fc.integer()),
  )
  .map(([action, fields, messages, lockToken]) => JSON.stringify({ action, ...fields, messages, lockToken }));

type Outgoing = { kind: 'text'; data: string } | { kind: 'binary'; data: Buffer };

const outgoing: fc.Arbitrary<Outgoing> = fc.oneof(
  { arbitrary: actionFrame.map((data) => ({ kind: 'text' as const, data })), weight: 8 },
  { arbitrary: fc.json().map((data) => ({ kind: 'text' as const, data })), weight: 2 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map((data) => ({ kind: 'text' as const, data })), weight: 2 },
  { arbitrary: fc.uint8Array({ maxLength: 300 }).map((a) => ({ kind: 'binary' as const, data: Buffer.from(a) })), weight: 1 },
  { arbitrary: fc.constant({ kind: 'binary' as const, data: Buffer.from('{"action":"send","body":"binary-json"}') }), weight: 1 },
  {
    arbitrary: fc
      // Up to API Gateway's 128 KB message limit (sent in 32 KB frames; larger ones: test/limits.test.ts).
      .integer({ min: 100 * 1024, max: 127 * 1024 })
      .map((n) => ({ kind: 'text' as const, data: JSON.stringify({ action: 'send', messageId: 'huge', body: 'h'.repeat(n) }) })),
    weight: 1,
  },
  {
    arbitrary: fc
      .integer({ min: 100, max: 50_000 })
      .map((d) => ({ kind: 'text' as const, data: `{"action":"send","body":${'['.repeat(d)}${']'.repeat(d)}}` })),
    weight: 1,
  },
  {
    arbitrary: fc.integer({ min: 100, max: 20_000 }).map((d) => ({ kind: 'text' as const, data: '{"a":'.repeat(d) + '1' + '}'.repeat(d) })),
    weight: 1,
  },
  {
    arbitrary: fc
      .constantFrom('', ' ', 'null', '[]', '"send"', '{}', '{"action":"send"', '\u0000')
      .map((data) => ({ kind: 'text' as const, data })),
    weight: 1,
  },
);

describe('hostile WebSocket input', () => {
  it('every frame is answered with an ack, a nack or an error frame (never 5xx), the connection survives, and only acked messages are stored', async () => {
    const watcher = await StreamWatcher.start(k);
    const { device } = await newDevice('fuzz-ws');
    const token = deviceToken(device.deviceId, device.authentication.symmetricKey.primaryKey, nowSeconds() + 3600);
    const socket = await WsDevice.connect(hubInfo().wsUrl, token);
    const received: Frame[] = [];
    socket.socket.on('message', (data: WebSocket.RawData) => {
      const text = data.toString();
      let parsed: Record<string, unknown> | undefined;
      try {
        parsed = JSON.parse(text) as Record<string, unknown>;
      } catch {
        parsed = undefined;
      }
      received.push({ text, parsed });
    });
    let closedEarly = false;
    void socket.closed.then(() => (closedEarly = true));

    const problems: string[] = [];
    let run = 0;
    await fc.assert(
      fc.asyncProperty(outgoing, async (frame) => {
        run++;
        if (closedEarly) return;
        const before = received.length;
        if (frame.kind === 'binary') socket.socket.send(frame.data, { binary: true });
        else socket.send(frame.data);
        // A settle with a made-up lock is answered with a nack carrying the lock: a sentinel that proves the hub is still answering.
        const sentinel = `sentinel-${run}`;
        socket.send({ action: 'complete', lockToken: sentinel });
        try {
          await socket.next((f) => f.lockToken === sentinel, 15_000);
        } catch {
          problems.push(`no answer after ${frame.kind} frame ${String(frame.data).slice(0, 200)}`);
        }
        for (const f of received.slice(before)) {
          const status = typeof f.parsed?.status === 'number' ? f.parsed.status : 0;
          if (f.parsed === undefined) problems.push(`unparseable reply ${f.text.slice(0, 200)}`);
          if (status >= 500) problems.push(`status ${status} for ${String(frame.data).slice(0, 200)}: ${f.text.slice(0, 300)}`);
          if (leaksInternals(f.text)) problems.push(`internals for ${String(frame.data).slice(0, 200)}: ${f.text.slice(0, 300)}`);
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
    expect(closedEarly).toBe(false);
    await new Promise((r) => setTimeout(r, 500)); // late replies
    const acked = received.filter((f) => f.parsed?.type === 'ack').length;
    const kinds = new Map<string, number>();
    for (const f of received)
      kinds.set(
        `${String(f.parsed?.type)}:${String(f.parsed?.status ?? '')}`,
        (kinds.get(`${String(f.parsed?.type)}:${String(f.parsed?.status ?? '')}`) ?? 0) + 1,
      );
    console.log(`WebSocket fuzz (seed ${SEED}): ${RUNS} frames, replies ${JSON.stringify(Object.fromEntries(kinds))}`);
    expect(problems).toEqual([]);

    socket.send({ action: 'send', messageId: 'ws-fuzz-marker', body: 'marker' });
    expect(await socket.next((f) => f.messageId === 'ws-fuzz-marker')).toMatchObject({ type: 'ack' });
    const written = await watcher.waitFor(telemetryOf(device.deviceId), acked + 2, 15_000);
    expect(written.some((e) => e.systemProperties['message-id'] === 'ws-fuzz-marker')).toBe(true);
    expect(written.length).toBe(acked + 1);
    await socket.close();
    expect(await hubAnswers()).toBe(true);
  }, 120_000);

  it('refuses hostile $connect attempts (garbage, mutated, huge tokens) with 401 and keeps serving', async () => {
    const { device } = await newDevice('fuzz-wsconnect');
    const valid = deviceToken(device.deviceId, device.authentication.symmetricKey.primaryKey);
    const tokens = [
      '',
      'x',
      valid.slice(0, -3),
      valid.replace(/sig=[^&]+/, 'sig=%ZZ'),
      valid.replace(/sr=[^&]+/, `sr=localhost%2Fdevices%2F${'a'.repeat(3000)}`),
      valid.replace(/sr=[^&]+/, 'sr=localhost%2Fdevices%2F%2e%2e'),
      valid.replace(/sr=[^&]+/, 'sr=%'),
      `${valid}&skn=iothubowner`,
      'SharedAccessSignature ' + '&'.repeat(3000),
    ];
    const statuses: number[] = [];
    for (const t of tokens) {
      const status = await new Promise<number>((resolve) => {
        const ws = new WebSocket(`${hubInfo().wsUrl}/?authorization=${encodeURIComponent(t)}`);
        const timer = setTimeout(() => (ws.terminate(), resolve(0)), 10_000);
        ws.once('open', () => (clearTimeout(timer), ws.close(), resolve(101)));
        ws.once('unexpected-response', (_req, res) => (clearTimeout(timer), ws.terminate(), resolve(res.statusCode ?? 0)));
        ws.once('error', () => (clearTimeout(timer), resolve(-1)));
      });
      statuses.push(status);
    }
    expect(statuses).toEqual(tokens.map(() => 401));
    expect(await hubAnswers()).toBe(true);
  });
});
