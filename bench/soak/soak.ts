/**
 * One ledger run: starts its own hub, creates devices, runs the load (HTTPS and WebSocket
 * devices, a command backend) while the fault schedule runs, stops the load, drains
 * (collectors keep reading, dead letters are redriven, devices keep settling commands) until
 * every acknowledged message and every accepted command is accounted for or the drain time is
 * up, then checks the ledger. Used by `npm run soak` (main.ts) and test/ledger.test.ts.
 */
import { GetQueueAttributesCommand, GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { randomBytes } from 'node:crypto';
import { DeviceClient, ServiceClient } from '../../client/clients';
import type { Envelope } from '../../lib/envelope';
import { deviceConnectionString } from '../../lib/sas';
import { runCommandSender } from './backend';
import { check, unmetTargets, type LoadTargets, type SoakReport } from '../../ledger/check';
import { formatReport } from '../../ledger/report';
import { FeedbackCollector, QueueCollector, soakMessageOf, StreamCollector } from './collectors';
import { GroupCollector } from './groupCollector';
import { sleep, type SoakContext } from './context';
import { FaultInjector, type FaultLogEntry } from './faults';
import { runHttpsCommands, runHttpsTelemetry } from './httpsDevice';
import { C2dLedger, D2cLedger, ENDPOINTS, type EndpointName, type FeedbackStatus } from '../../ledger/ledger';
import { startSoakHub } from './soakHub';
import { WsSoakDevice } from './wsSoakDevice';

export interface SoakOptions {
  basePort: number;
  loadSeconds: number;
  /**
   * The load runs at least this long; with `targets` it then goes on until every target is met
   * (bounded by `loadDeadlineSeconds`), so a slow machine does more waiting, not less work.
   */
  /** Length of one fault cycle (the short run has one). */
  cycleSeconds: number;
  /** Work the load must have done before it stops: counts, never rates. */
  targets?: LoadTargets;
  /** Generous bound on the load when `targets` are set; missing it is a reported failure. */
  loadDeadlineSeconds?: number;
  drainSeconds: number;
  httpsDevices: number;
  wsDevices: number;
  /** Mean time between a device's telemetry requests. */
  sendIntervalMs: number;
  commandIntervalMs: number;
  log: (line: string) => void;
}

export interface SoakResult {
  report: SoakReport;
  text: string;
  faults: FaultLogEntry[];
  timings: { hubStartSeconds: number; loadSeconds: number; drainSeconds: number; totalSeconds: number };
  leftovers: { deadLetters: number; routerFailures: number };
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;

export async function runSoak(o: SoakOptions): Promise<SoakResult> {
  const t0 = Date.now();
  const run = `soak${randomBytes(3).toString('hex')}`;
  const soak = await startSoakHub({ basePort: o.basePort, run, log: o.log });
  const tHub = Date.now();
  let loadOver = false;
  let allOver = false;
  const ctx: SoakContext = {
    run,
    httpUrl: soak.hub.httpUrl,
    wsUrl: soak.hub.wsUrl,
    d2c: new D2cLedger(),
    c2d: new C2dLedger(),
    counters: { d2cRequests: 0, d2cRetries: 0, wsReconnects: 0, commandSends: 0, purges: 0, settleInDoubt: 0 },
    loadOver: () => loadOver,
    allOver: () => allOver,
    log: o.log,
  };
  const actors: Promise<void>[] = [];
  let groupStop = async (): Promise<void> => undefined;
  try {
    const service = new ServiceClient(soak.hub.httpUrl, soak.hub.connectionString);
    const devices: { id: string; client: DeviceClient; connectionString: string; ws: boolean }[] = [];
    const specs = [
      ...Array.from({ length: o.httpsDevices }, (_, i) => ({ id: `${run}-h${i}`, ws: false })),
      ...Array.from({ length: o.wsDevices }, (_, i) => ({ id: `${run}-w${i}`, ws: true })),
    ];
    for (let i = 0; i < specs.length; i += 10) {
      await Promise.all(
        specs.slice(i, i + 10).map(async (spec) => {
          const d = await service.createDevice(spec.id);
          const cs = deviceConnectionString(service.hostName, d.deviceId, d.authentication.symmetricKey.primaryKey);
          devices.push({ id: d.deviceId, client: new DeviceClient(soak.hub.httpUrl, cs), connectionString: cs, ws: spec.ws });
        }),
      );
    }

    const onEnvelope = (endpoint: EndpointName) => (e: Envelope) => {
      const m = soakMessageOf(e, run);
      if (m) ctx.d2c.deliver(endpoint, m.deviceId, m.seq);
    };
    const onBody = (endpoint: EndpointName) => (body: string) => onEnvelope(endpoint)(JSON.parse(body) as Envelope);
    const group = new GroupCollector(
      soak.kinesis,
      soak.hub.awsEnv.AWS_ENDPOINT_URL_DYNAMODB ?? '',
      { streamName: soak.resource('EVENTS_STREAM'), tableName: soak.resource('CHECKPOINTS_TABLE'), group: `${run}-group` },
      onEnvelope('group'),
    );
    await group.start();
    groupStop = () => group.stop();
    const collectors = [
      group,
      new StreamCollector(soak.kinesis, soak.resource('EVENTS_STREAM'), onEnvelope('stream')),
      new StreamCollector(soak.kinesis, soak.targets.streamName, onEnvelope('kinesis')),
      new QueueCollector(soak.sqs, soak.targets.sqsUrl, onBody('sqs')),
      new QueueCollector(soak.sqs, soak.targets.fifoUrl, onBody('fifo')),
      new FeedbackCollector(
        soak.sqs,
        soak.resource('FEEDBACK_QUEUE'),
        (r) => r.deviceId.startsWith(`${run}-`),
        (r) => ctx.c2d.feedback(r.originalMessageId, r.statusCode as FeedbackStatus),
      ),
    ];
    let collectorErrors = 0;
    const collectOnce = async () => {
      for (const c of collectors) {
        try {
          await c.poll();
        } catch {
          collectorErrors++; // an emulator restarting: the next pass resumes
        }
      }
    };
    let collecting = true;
    const collectorLoop = (async () => {
      while (collecting) {
        await collectOnce();
        await sleep(1000);
      }
    })();

    // The load.
    const tLoad = Date.now();
    for (const d of devices) {
      if (d.ws) {
        const ws = new WsSoakDevice(ctx, d.client, d.connectionString, 15_000 + Math.random() * 10_000);
        actors.push(ws.runTelemetry(o.sendIntervalMs), ws.runCommands(), runHttpsCommands(ctx, d.client, `https:${d.id}`, 4000));
      } else {
        // Every tenth HTTPS device polls rarely, so commands to it expire.
        const pollMs = devices.indexOf(d) % 10 === 0 ? 20_000 : 1500;
        actors.push(runHttpsTelemetry(ctx, d.client, o.sendIntervalMs), runHttpsCommands(ctx, d.client, `https:${d.id}`, pollMs));
      }
    }
    const backend = runCommandSender(
      ctx,
      service,
      devices.map((d) => d.id),
      { intervalMs: o.commandIntervalMs, purgeEveryMs: 10_000 },
    );
    const faults = new FaultInjector(soak, ctx);
    const faultRun = faults.run(o.cycleSeconds * 1000, tLoad);
    await sleep(o.loadSeconds * 1000);
    let targetFailure: string | undefined;
    if (o.targets) {
      const deadline = tLoad + (o.loadDeadlineSeconds ?? o.loadSeconds * 4) * 1000;
      for (;;) {
        const unmet = unmetTargets(o.targets, ctx.d2c, ctx.c2d, faults.completedCycles);
        if (unmet.length === 0) break;
        if (Date.now() > deadline) {
          targetFailure = `load targets not reached within ${seconds(deadline - tLoad)} s: ${unmet.join('; ')}`;
          o.log(targetFailure);
          break;
        }
        await sleep(500);
      }
    }
    loadOver = true;
    await Promise.all([backend, faultRun]);
    const tDrain = Date.now();
    o.log(`load over after ${seconds(tDrain - tLoad)} s; draining`);

    // The drain: until everything acknowledged is delivered everywhere and every command has an outcome.
    const drainDeadline = Date.now() + o.drainSeconds * 1000;
    let lastRedrive = 0;
    for (;;) {
      await collectOnce();
      const missing = ENDPOINTS.map((e) => ctx.d2c.missing(e).length);
      const unresolved = ctx.c2d.unresolved().length;
      if (missing.every((n) => n === 0) && unresolved === 0) break;
      if (Date.now() > drainDeadline) {
        o.log(
          `drain deadline: missing ${JSON.stringify(Object.fromEntries(ENDPOINTS.map((e, i) => [e, missing[i]])))}, unresolved commands ${unresolved}`,
        );
        break;
      }
      if (Date.now() - lastRedrive > 5000) {
        lastRedrive = Date.now();
        await soak.routing.redrive().catch((err: unknown) => o.log(`redrive failed: ${String(err)}`));
      }
      await sleep(1000);
    }
    allOver = true;
    await Promise.all(actors);
    await sleep(2500); // feedback of the last settlements
    collecting = false;
    await collectorLoop;
    await collectOnce();
    const tEnd = Date.now();

    const leftovers = await countLeftovers(soak);
    const report = check(ctx.d2c, ctx.c2d);
    if (targetFailure) report.failures.push(targetFailure);
    const c = ctx.counters;
    const stats = [
      `run ${run}: ${o.httpsDevices} HTTPS + ${o.wsDevices} WebSocket devices; load ${seconds(tDrain - tLoad)} s, drain ${seconds(tEnd - tDrain)} s, total ${seconds(tEnd - t0)} s (hub start ${seconds(tHub - t0)} s)`,
      `D2C requests ${c.d2cRequests} (retried ${c.d2cRetries}); WebSocket reconnects ${c.wsReconnects}; commands sent ${c.commandSends}; purges ${c.purges}; settlements in doubt ${c.settleInDoubt}`,
      `faults injected ${faults.history.length}: ${[...new Set(faults.history.map((f) => f.fault.split(' (')[0]))].length} kinds; collector read errors (emulator restarts) ${collectorErrors}`,
      `left over: dead letters ${leftovers.deadLetters}, router-failures records ${leftovers.routerFailures}`,
    ].join('\n');
    return {
      report,
      text: `${stats}\n${formatReport(report)}`,
      faults: faults.history,
      timings: {
        hubStartSeconds: seconds(tHub - t0),
        loadSeconds: seconds(tDrain - tLoad),
        drainSeconds: seconds(tEnd - tDrain),
        totalSeconds: seconds(tEnd - t0),
      },
      leftovers,
    };
  } finally {
    loadOver = true;
    allOver = true;
    await Promise.race([Promise.allSettled(actors), sleep(15_000)]);
    await Promise.race([groupStop().catch(() => undefined), sleep(15_000)]);
    await soak.stop();
  }
}

async function countLeftovers(soak: Awaited<ReturnType<typeof startSoakHub>>): Promise<{ deadLetters: number; routerFailures: number }> {
  const count = async (queueName: string) => {
    try {
      const url = (await soak.sqs.send(new GetQueueUrlCommand({ QueueName: queueName }))).QueueUrl;
      const out = await soak.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      return Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) + Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
    } catch {
      return -1;
    }
  };
  return {
    deadLetters: await count(soak.resource('ROUTING_DLQ')),
    routerFailures: await count(`${soak.resource('HUB_NAME')}-router-failures`),
  };
}
