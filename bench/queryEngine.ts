/**
 * Scenario 6: the routing query engine against (a) a hand-written JavaScript predicate for the
 * same condition (the practical limit) and (b) jsonata evaluating the equivalent expression.
 * All three see the same messages; each side parses a JSON body at most once per message.
 */
import jsonata from 'jsonata';
import { compileCondition, type RoutableMessage } from '../lib/query';

interface Case {
  name: string;
  condition: string;
  handWritten: (m: RoutableMessage, body: () => Record<string, unknown> | undefined) => boolean;
  jsonata: string;
}

export const QUERY_CASES: Case[] = [
  {
    name: 'system property equality',
    condition: "$contentType = 'application/json'",
    handWritten: (m) => m.systemProperties['content-type'] === 'application/json',
    jsonata: "sys.`content-type` = 'application/json'",
  },
  {
    name: 'device id equality',
    condition: "$connectionDeviceId = 'device-7'",
    handWritten: (m) => m.systemProperties['iothub-connection-device-id'] === 'device-7',
    jsonata: "sys.`iothub-connection-device-id` = 'device-7'",
  },
  {
    name: 'application property equality',
    condition: "level = 'critical'",
    handWritten: (m) => m.properties.level === 'critical',
    jsonata: "props.level = 'critical'",
  },
  {
    name: 'application property as number',
    condition: 'AS_NUMBER(temp) > 25',
    handWritten: (m) => {
      const t = m.properties.temp;
      return t !== undefined && Number(t) > 25;
    },
    jsonata: '$number(props.temp) > 25',
  },
  {
    name: '$body number comparison',
    condition: '$body.temperature > 30',
    handWritten: (_m, body) => {
      const t = body()?.temperature;
      return typeof t === 'number' && t > 30;
    },
    jsonata: 'body.temperature > 30',
  },
  {
    name: '$body nested path and array index',
    condition: "$body.sensors[0].kind = 'thermo'",
    handWritten: (_m, body) => {
      const sensors = body()?.sensors;
      return Array.isArray(sensors) && (sensors[0] as { kind?: unknown } | undefined)?.kind === 'thermo';
    },
    jsonata: "body.sensors[0].kind = 'thermo'",
  },
  {
    name: 'string function',
    condition: "STARTS_WITH($connectionDeviceId, 'device-1')",
    handWritten: (m) => (m.systemProperties['iothub-connection-device-id'] ?? '').startsWith('device-1'),
    jsonata: "$substring(sys.`iothub-connection-device-id`, 0, 8) = 'device-1'",
  },
  {
    name: 'AND chain',
    condition: "level = 'critical' AND $contentType = 'application/json' AND $body.temperature > 20",
    handWritten: (m, body) => {
      if (m.properties.level !== 'critical' || m.systemProperties['content-type'] !== 'application/json') return false;
      const t = body()?.temperature;
      return typeof t === 'number' && t > 20;
    },
    jsonata: "props.level = 'critical' and sys.`content-type` = 'application/json' and body.temperature > 20",
  },
  {
    name: 'OR chain',
    condition: "level = 'critical' OR level = 'warning' OR site = 'oslo'",
    handWritten: (m) => m.properties.level === 'critical' || m.properties.level === 'warning' || m.properties.site === 'oslo',
    jsonata: "props.level = 'critical' or props.level = 'warning' or props.site = 'oslo'",
  },
  {
    name: 'IS_DEFINED and NOT',
    condition: 'IS_DEFINED(alarm) AND NOT (site = "lab")',
    handWritten: (m) => m.properties.alarm !== undefined && m.properties.site !== 'lab',
    jsonata: "$exists(props.alarm) and $not(props.site = 'lab')",
  },
  {
    name: 'arithmetic',
    condition: '$body.temperature * 1.8 + 32 > 86',
    handWritten: (_m, body) => {
      const t = body()?.temperature;
      return typeof t === 'number' && t * 1.8 + 32 > 86;
    },
    jsonata: 'body.temperature * 1.8 + 32 > 86',
  },
];

export function sampleMessages(n: number): RoutableMessage[] {
  const levels = ['info', 'warning', 'critical'];
  const sites = ['oslo', 'lab', 'bergen'];
  return Array.from({ length: n }, (_, i) => {
    const json = i % 4 !== 0;
    const body = { temperature: (i * 7) % 45, humidity: 40 + (i % 20), sensors: [{ kind: i % 3 === 0 ? 'thermo' : 'hygro', id: i }] };
    return {
      systemProperties: {
        'message-id': `m-${i}`,
        'iothub-connection-device-id': `device-${i % 20}`,
        'iothub-enqueuedtime': new Date(1_800_000_000_000 + i).toISOString(),
        ...(json ? { 'content-type': 'application/json', 'content-encoding': 'utf-8' } : {}),
      },
      properties: {
        level: levels[i % 3] ?? 'info',
        site: sites[i % 3] ?? 'lab',
        temp: String((i * 3) % 40),
        ...(i % 5 === 0 ? { alarm: 'yes' } : {}),
      },
      body: Buffer.from(JSON.stringify(body)),
    };
  });
}

function bodyOf(m: RoutableMessage): Record<string, unknown> | undefined {
  const ct = m.systemProperties['content-type'];
  if (ct !== 'application/json') return undefined;
  try {
    return JSON.parse(Buffer.from(m.body).toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

type SyncLoop = (
  messages: readonly RoutableMessage[],
  fn: (m: RoutableMessage) => boolean,
  ms: number,
) => { evaluations: number; matches: number; elapsed: number };

/**
 * A fresh copy of the timing loop per measurement: one shared loop would see every condition's
 * closure at its call site, go megamorphic, and tax whichever side happens to run later.
 */
function freshLoop(): SyncLoop {
  return new Function(
    'messages',
    'fn',
    'ms',
    `let evaluations = 0, matches = 0; const start = performance.now();
     while (performance.now() - start < ms) { for (let i = 0; i < messages.length; i++) { if (fn(messages[i]) === true) matches++; } evaluations += messages.length; }
     return { evaluations, matches, elapsed: performance.now() - start };`,
  ) as SyncLoop;
}

/** Evaluations per second of a synchronous predicate over `messages`, for about `ms` milliseconds (after a warm-up). */
function rate(
  messages: readonly RoutableMessage[],
  ms: number,
  fn: (m: RoutableMessage) => boolean,
): { perSecond: number; matches: number } {
  const loop = freshLoop();
  loop(messages, fn, ms / 4);
  const r = loop(messages, fn, ms);
  return { perSecond: Math.round(r.evaluations / (r.elapsed / 1000)), matches: r.matches };
}

/** The same for jsonata, whose evaluate() is asynchronous. */
async function rateAsync(
  messages: readonly RoutableMessage[],
  ms: number,
  fn: (m: RoutableMessage) => Promise<boolean>,
): Promise<{ perSecond: number }> {
  let evaluations = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    for (const m of messages) await fn(m);
    evaluations += messages.length;
  }
  return { perSecond: Math.round(evaluations / ((performance.now() - start) / 1000)) };
}

export interface QueryResult {
  name: string;
  condition: string;
  engine: number;
  handWritten: number;
  jsonata: number;
  /** engine / hand-written (1 = as fast as hand-written code). */
  ratioToHandWritten: number;
  /** engine / jsonata. */
  ratioToJsonata: number;
  agree: boolean;
}

export async function benchQueryEngine(ms: number, messageCount = 1000): Promise<QueryResult[]> {
  const results: QueryResult[] = [];
  for (const c of QUERY_CASES) {
    // Fresh message objects per side, so no side benefits from another's per-message caches.
    const forEngine = sampleMessages(messageCount);
    const forHand = sampleMessages(messageCount);
    const forJsonata = sampleMessages(messageCount).map((m) => ({ sys: m.systemProperties, props: m.properties, body: bodyOf(m) }));
    const compiled = compileCondition(c.condition);
    const bodies = new WeakMap<RoutableMessage, Record<string, unknown> | undefined>();
    const hand = (m: RoutableMessage) =>
      c.handWritten(m, () => {
        if (!bodies.has(m)) bodies.set(m, bodyOf(m));
        return bodies.get(m);
      });
    const expr = jsonata(c.jsonata);
    const jsonataIndex = new Map(forJsonata.map((j, i) => [forEngine[i] as RoutableMessage, j]));
    const engine = rate(forEngine, ms, compiled);
    const handWritten = rate(forHand, ms, hand);
    const jsonataEval = async (m: RoutableMessage) => (await expr.evaluate(jsonataIndex.get(m))) === true;
    await rateAsync(forEngine, ms / 4, jsonataEval);
    const viaJsonata = await rateAsync(forEngine, ms, jsonataEval);
    results.push({
      name: c.name,
      condition: c.condition,
      engine: engine.perSecond,
      handWritten: handWritten.perSecond,
      jsonata: viaJsonata.perSecond,
      ratioToHandWritten: Math.round((engine.perSecond / handWritten.perSecond) * 100) / 100,
      ratioToJsonata: Math.round((engine.perSecond / viaJsonata.perSecond) * 10) / 10,
      // The engine and the hand-written predicate must select the same messages, or the comparison means nothing.
      agree: sameSelection(c, compiled),
    });
  }
  return results;
}

function sameSelection(c: Case, compiled: (m: RoutableMessage) => boolean): boolean {
  const messages = sampleMessages(200);
  return messages.every((m) => compiled(m) === c.handWritten(m, () => bodyOf(m)));
}
