/**
 * `npm run bench`: the benchmark suite on the local stack. Starts its own hub (in-memory, on
 * ports 15000-15005, or DEVHUB_TEST_PORT_BASE and the five after it) unless --attach names a running test hub's info file. Prints, per
 * scenario, what it measured, the ceiling measured in the same run and their ratio, the
 * machine and the method; writes everything to bench-results/<time>.json.
 * A benchmark, not a test: nothing here fails on a time.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { measureColdStarts, type ColdStart } from './coldStart';
import { memoryUnderLoad, type MemoryRun } from './memoryScenario';
import { c2dPush, c2dRoundTrip, endToEndRouting } from './pipelineScenarios';
import { d2cHttpsBatch, d2cHttpsSingle, d2cWebSocket, type BenchHub, type Plan, type ScenarioResult } from './hubScenarios';
import type { Stats } from './load';
import { benchQueryEngine, type QueryResult } from './queryEngine';
import { consumerGroupScenario, type GroupBenchResult } from './consumerGroupScenario';
import { measureFunctionSizes, measuredAssumptions, medianRun, type FunctionSizesResult } from './functionSizes';
import { createDevices } from './hubScenarios';
import { ServiceClient } from '../client/clients';
import { WsDevice } from '../client/wsDevice';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { envelopeStudy, type EnvelopeStudy } from './envelopeSize';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const METHOD = `Open-loop load: requests are issued at fixed arrival rates (request i due at i/rate), each step
runs for a fixed time, latency is measured from the due time (so queueing shows, no coordinated
omission). A step is "sustained" when p99 <= 100 ms, <= 0.1% errors and >= 90% of the offered
rate completed; the ramp stops at the first step that is not. Ceilings are raw SDK calls against
the same kinesalite in the same run. Hub, emulators and load generator share this machine.`;

const SIZE_METHOD = `Each function's built bundle (dist/functions) is required in a fresh Node process with a
Lambda-like environment (JSON logs at INFO, metrics on) and its handler is called directly with API
Gateway HTTP API (payload 2.0), Kinesis or EventBridge scheduled events against the local emulators; no HTTP server or
event source in the loop. Per invocation: process CPU time (user+system), wall time, and the bytes
written to stdout/stderr (log lines; EMF lines counted apart). After a warm-up, medians are taken.
EMF (aggregated per instance, lib/metrics.ts): bytes of a publication after one invocation
(METRICS_FLUSH_INTERVAL_MS=0) and of the publications a filled distribution forces with a window
longer than the run (every 99 invocations); their difference per extra invocation is the
per-invocation part, the remainder the fixed part per publication.
Lambda gives a function CPU in proportion to memory (1,769 MB = 1 vCPU); the share is emulated by
a ratio: duration(memory) = CPU ms x 1769/memory + waiting ms (emulator answers, unscaled). The
per-item cost is the CPU difference between a 100-item and a 1-item invocation. The device API's
C2D receive is measured with one 1 KB command enqueued before each receive through the local hub's
service API (outside the measured window), its complete with the lock token from the receive's
ETag. functions.serviceApi is the commandsApi function (the cost model's role for a backend's C2D
send): a 1 KB command sent with the hub's service SAS, the device's queue purged through the service
API every 25 sends (outside the measured window) so that no send meets its 50-command limit.
functions.sweeper is the c2dSweeper: a scheduled run with nothing due. Neither takes batches
(cpuMsPerItem 0); their cold start uses the init of their first EMF run's process. Scenario 10 runs whole several times (--size-runs, 3 by default) and this file is the run
whose device API send CPU is the median: single runs differ by about 15%. This machine's CPU is
not a Lambda arm64 vCPU and the emulators are not AWS: treat durations as estimates of that size,
measured, not guessed.`;

/**
 * A device connected over WebSocket through the local hub, its connection id (from the connections
 * table its $connect wrote) and a count of the hub's replies it received since the last call.
 */
async function connectedWsDevice(
  hub: BenchHub,
  connectionsTable: string,
): Promise<{ connectionId: string; replies: () => { acks: number; others: number; firstOther?: string }; close: () => Promise<unknown> }> {
  const [device] = await createDevices(hub, 1, 'size-ws');
  if (!device || !connectionsTable) throw new Error('scenario 10 needs a device and the connections table');
  const socket = await WsDevice.fromConnectionString(hub.wsUrl, device.cs);
  const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  let connectionId: string | undefined;
  for (let i = 0; i < 50 && connectionId === undefined; i++) {
    const out = await dynamo.send(new GetCommand({ TableName: connectionsTable, Key: { deviceId: device.id } }));
    connectionId = typeof out.Item?.connectionId === 'string' ? out.Item.connectionId : undefined;
    if (connectionId === undefined) await new Promise((done) => setTimeout(done, 100));
  }
  dynamo.destroy();
  if (connectionId === undefined) throw new Error(`no connection recorded for ${device.id}`);
  let seen = 0;
  return {
    connectionId,
    replies: () => {
      const frames = socket.pending().slice(seen);
      seen += frames.length;
      const others = frames.filter((f) => f.type !== 'ack');
      return {
        acks: frames.length - others.length,
        others: others.length,
        ...(others[0] ? { firstOther: JSON.stringify(others[0]).slice(0, 300) } : {}),
      };
    },
    close: () => socket.close(),
  };
}

function rssKb(pid: number | undefined): number | undefined {
  if (!pid || !existsSync(`/proc/${pid}/status`)) return undefined;
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : undefined;
}

function fmtStats(s: Stats): string {
  return `${String(s.rate).padStart(6)}/s  achieved ${String(s.achievedPerSecond).padStart(8)}/s  p50 ${s.p50}  p95 ${s.p95}  p99 ${s.p99}  p99.9 ${s.p999}  max ${s.max} ms  errors ${s.errors + s.dropped}${s.firstError ? ` (first: ${s.firstError.slice(0, 120)})` : ''}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean' },
      attach: { type: 'string' },
      seconds: { type: 'string' },
      out: { type: 'string' },
      only: { type: 'string' },
      'memory-minutes': { type: 'string' },
      'measured-out': { type: 'string' },
      'size-runs': { type: 'string' },
    },
  });
  const quick = values.quick ?? false;
  const root = resolve(__dirname, '../..');
  const seconds = Number(values.seconds ?? (quick ? 0.5 : 5));
  const plan: Plan = quick
    ? { seconds, singleRates: [20], batchRates: [2], wsRates: [20], e2eRates: [10], c2dRates: [5], devices: 3 }
    : {
        seconds,
        singleRates: [25, 50, 100, 150, 200, 300, 400, 600, 800, 1200, 1600, 2400, 3200],
        batchRates: [1, 2, 4, 8, 16, 24, 32, 48, 64, 96, 128, 192],
        wsRates: [25, 50, 100, 150, 200, 300, 400, 600, 800],
        e2eRates: [10, 25, 50, 100, 200, 300, 400],
        c2dRates: [10, 25, 50, 100, 150, 200, 300],
        devices: 100,
      };
  const only = values.only ? new Set(values.only.split(',')) : undefined;
  const want = (n: string) => !only || only.has(n);

  let hub: BenchHub;
  let stop = async () => undefined as void;
  let functionsPid: number | undefined;
  let checkpointsTable: string | undefined;
  let functionEnv: Record<string, string> = {};
  if (values.attach) {
    const info = JSON.parse(readFileSync(values.attach, 'utf8')) as BenchHub & {
      environment: Record<string, string>;
      awsEnv: Record<string, string>;
      pids?: number[];
    };
    for (const [k, v] of Object.entries(info.awsEnv)) process.env[k] = v;
    hub = { ...info, eventsStream: info.environment.EVENTS_STREAM ?? '', endpointNames: info.environment.ROUTING_ENDPOINT_NAMES ?? '*' };
    checkpointsTable = info.environment.CHECKPOINTS_TABLE;
    functionEnv = { ...info.environment, ...info.awsEnv };
  } else {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the built stack, exactly what `npm start` runs
    const stack = require(join(root, 'dist/local/stack.js')) as typeof import('../infra/local/stack');
    const dataDir = join(root, '.devhub-bench');
    // DEVHUB_TEST_PORT_BASE moves the bench hub's six ports (several hubs on one machine).
    const portBase = Number(process.env.DEVHUB_TEST_PORT_BASE ?? 15000);
    const local = await stack.startLocalHub({
      root,
      dataDir,
      hostname: 'localhost',
      httpPort: portBase + 0,
      wsPort: portBase + 1,
      lambdaPort: portBase + 2,
      dynamoPort: portBase + 3,
      kinesisPort: portBase + 4,
      sqsPort: portBase + 5,
      inMemory: true,
      tls: false,
      stage: 'bench',
      params: {},
      echoFunctions: false,
      poller: true,
      log: (l) => console.error(l),
    });
    for (const [k, v] of Object.entries(local.awsEnv)) process.env[k] = v;
    hub = {
      httpUrl: local.httpUrl,
      wsUrl: local.wsUrl,
      connectionString: local.connectionString,
      eventsStream: local.service.environment.EVENTS_STREAM ?? '',
      endpointNames: local.service.environment.ROUTING_ENDPOINT_NAMES ?? '*',
    };
    functionsPid = local.processes.get('functions')?.child.pid;
    checkpointsTable = local.service.environment.CHECKPOINTS_TABLE;
    functionEnv = { ...local.service.environment, ...local.awsEnv };
    stop = () => local.stop();
  }

  const machine = {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: process.platform,
  };
  console.log(`devhub benchmarks — ${new Date().toISOString()}${quick ? ' (quick)' : ''}`);
  console.log(`machine: ${machine.cores} cores (${machine.cpu}), ${machine.memoryGb} GiB, Node ${machine.node}`);
  console.log(`method: ${METHOD}\n`);
  const rssStart = rssKb(functionsPid);
  const rssAfter: { scenario: string; rssKb: number }[] = [];
  const scenarios: ScenarioResult[] = [];
  let query: QueryResult[] = [];
  let coldStarts: ColdStart[] = [];
  let memory: MemoryRun | undefined;
  let group: GroupBenchResult | undefined;
  let sizes: FunctionSizesResult | undefined;
  let measuredFile: string | undefined;
  let envelopes: EnvelopeStudy[] = [];
  try {
    const hubScenarios: [string, (h: BenchHub, p: Plan) => Promise<ScenarioResult>][] = [
      ['1', d2cHttpsSingle],
      ['2', d2cHttpsBatch],
      ['3', d2cWebSocket],
      ['4', endToEndRouting],
      ['5', c2dRoundTrip],
      ['5', c2dPush],
    ];
    for (const [id, run] of hubScenarios) {
      if (!want(id)) continue;
      const r = await run(hub, plan);
      scenarios.push(r);
      console.log(`${r.scenario}  [${r.unit}]`);
      for (const s of r.measured.steps) console.log(`  hub      ${fmtStats(s)}`);
      if (r.ceiling) for (const s of r.ceiling.steps) console.log(`  ceiling  ${fmtStats(s)}`);
      console.log(
        `  highest rate sustained (p99 < ${r.measured.p99BoundMs} ms): hub ${r.measured.maxSustained}${r.ceiling ? `, ${r.ceiling.name} ${r.ceiling.maxSustained}, ratio ${r.ratio}` : ''}`,
      );
      if (r.target) console.log(`  target ratio >= ${r.target.ratio}: ${r.target.met ? 'met' : 'MISSED'}`);
      const rss = rssKb(functionsPid);
      if (rss !== undefined) {
        rssAfter.push({ scenario: id, rssKb: rss });
        console.log(`  functions process RSS after this scenario: ${Math.round(rss / 1024)} MB`);
      }
      console.log('');
    }
    if (want('6')) {
      query = await benchQueryEngine(quick ? 20 : 400, quick ? 100 : 1000);
      console.log('6. Query engine: evaluations per second (same messages for all three)');
      for (const q of query) {
        console.log(
          `  ${q.name.padEnd(36)} engine ${String(q.engine).padStart(10)}  hand-written ${String(q.handWritten).padStart(10)}  jsonata ${String(q.jsonata).padStart(9)}  engine/hand ${q.ratioToHandWritten}  engine/jsonata ${q.ratioToJsonata}${q.agree ? '' : '  DISAGREES'}`,
        );
      }
      const worst = Math.min(...query.map((q) => q.ratioToHandWritten));
      const worstJ = Math.min(...query.map((q) => q.ratioToJsonata));
      console.log(
        `  targets: within 2x of hand-written (worst engine/hand ${worst}: ${worst >= 0.5 ? 'met' : 'MISSED'}); >= 10x jsonata (worst ${worstJ}x: ${worstJ >= 10 ? 'met' : 'MISSED'})\n`,
      );
    }
    if (want('7')) {
      coldStarts = measureColdStarts(root, quick ? 1 : 5);
      console.log('7. Cold start: bundle size and module initialisation (fresh node process, median)');
      for (const c of coldStarts) console.log(`  ${c.function.padEnd(14)} ${String(c.bundleKb).padStart(6)} KB  init ${c.initMsMedian} ms`);
      console.log('');
    }
    if (want('9') && checkpointsTable) {
      group = await consumerGroupScenario(checkpointsTable, {
        backlog: quick ? 500 : 20_000,
        rates: quick ? [100] : [500, 1000, 2000, 4000],
        seconds: quick ? 1 : seconds,
      });
      console.log(`9. Consumer group (consumer/), ${group.shards} shards, 1 KB records, one instance, no-op handler`);
      console.log(
        `  draining a backlog of ${group.backlog}: group ${group.drainPerShard} records/s per shard; raw GetRecords ceiling ${group.ceilingPerShard} records/s per shard (ratio ${Math.round((group.drainPerShard / group.ceilingPerShard) * 100) / 100})`,
      );
      for (const st of group.steady)
        console.log(
          `  offered ${String(st.offeredPerSecond).padStart(5)}/s, written ${st.writtenPerSecond}/s: delivered ${st.deliveredPerShard.join(' + ')} records/s per shard (${Math.round(st.deliveredOfWritten * 100)}% of written); lag p50 ${st.lagMs.p50} ms, p99 ${st.lagMs.p99} ms, max ${st.lagMs.max} ms`,
        );
      console.log('');
    }
    if (want('10')) {
      const [device] = await createDevices(hub, 1, 'size');
      const service = new ServiceClient(hub.httpUrl, hub.connectionString);
      // A device connected over WebSocket: the wsDefault function's frames come from its connection and are acked to it.
      const ws = await connectedWsDevice(hub, functionEnv.CONNECTIONS_TABLE ?? '');
      // Whole runs one after the other; the file gets the median run (medianRun).
      const sizeRuns = Number(values['size-runs'] ?? (quick ? 1 : 3));
      if (!Number.isInteger(sizeRuns) || sizeRuns < 1)
        throw new Error(`--size-runs expects a whole number >= 1, got ${values['size-runs']}`);
      const runs: FunctionSizesResult[] = [];
      for (let i = 0; i < sizeRuns; i++) {
        runs.push(
          await measureFunctionSizes({
            root,
            env: functionEnv,
            deviceConnectionString: device?.cs ?? '',
            serviceConnectionString: hub.connectionString,
            messageBytes: 1024,
            quick,
            // Through the service API, as a backend sends: the measured process loads the device API's bundle and nothing else.
            enqueueCommand: async (body, messageId) => {
              await service.sendCommand(device?.id ?? '', { body, messageId, contentType: 'application/json' });
            },
            purgeCommands: async () => {
              await service.purgeCommands(device?.id ?? '');
            },
            ws: { connectionId: ws.connectionId, replies: ws.replies },
          }),
        );
      }
      await ws.close();
      const median = medianRun(runs);
      sizes = median.run;
      console.log(
        '10. Right-sized functions: each handler called in-process (own process, built bundle, local emulators), 1 KB JSON messages;',
      );
      const choices = (role: string) => runs.map((r) => r.functions.find((f) => f.role === role)?.chosenMemoryMb ?? '-').join(', ');
      console.log(
        `   ${sizeRuns} run(s): device API CPU per send ${median.deviceCpuMs.join(', ')} ms; chosen MB deviceApi ${choices('deviceApi')}, router ${choices('router')}, commandsApi ${choices('serviceApi')}, c2dSweeper ${choices('sweeper')}, wsDefault ${choices('wsMessage')}; below: run ${median.index + 1}, the median`,
      );
      console.log('   Lambda duration at each memory = CPU ms × 1769/memory + waiting ms (CPU share emulated by ratio)');
      for (const f of sizes.functions) {
        const inv = f.invocation;
        console.log(
          `  ${f.name}: CPU ${inv.cpuMsMedian} ms/invocation (p99 ${inv.cpuMsP99}) + ${f.cpuMsPerItem} ms per extra item (batch of ${f.itemsInBatch}); waiting ${inv.waitMsMedian} ms; log ${inv.logBytesMean} B + EMF ${inv.emfBytesMean} B per invocation (aggregated); init ${f.init.wallMs} ms (CPU ${f.init.cpuMs}); first invocation ${f.firstInvocation.wallMs} ms; RSS ${f.rssMb} MB${f.errors > 0 ? `; ${f.errors} ERRORS (first: ${f.firstError ?? ''})` : ''}`,
        );
        for (const b of f.bySize)
          console.log(
            `    ${String(b.memoryMb).padStart(5)} MB: ${b.invocationMs} ms/invocation (p99 ${b.p99Ms}), +${b.perItemMs} ms/item, cold start ${b.coldStartMs} ms, ${b.gbSecondsPerMillion} GB-s per million`,
          );
        console.log(
          `    EMF: ${f.emf.bytesPerFlush} B per publication + ${f.emf.valueBytesPerInvocation} B per invocation; a distribution fills a line after ${f.emf.invocationsPerLine ?? 'never'} invocations (one-invocation publication ${f.emf.oneInvocationBytes} B, full ${f.emf.fullFlushBytes ?? '-'} B)`,
        );
        console.log(`    chosen ${f.chosenMemoryMb} MB: ${f.why}`);
      }
      console.log(`  deviceApi empty C2D poll: CPU ${sizes.poll.cpuMsMedian} ms, waiting ${sizes.poll.waitMsMedian} ms`);
      const { receive, complete, commandBytes, errors, firstError } = sizes.c2d;
      console.log(
        `  deviceApi C2D receive of a ${commandBytes} B command: CPU ${receive.cpuMsMedian} ms (p99 ${receive.cpuMsP99}), waiting ${receive.waitMsMedian} ms; its complete: CPU ${complete.cpuMsMedian} ms (p99 ${complete.cpuMsP99}), waiting ${complete.waitMsMedian} ms${errors > 0 ? `; ${errors} ERRORS (first: ${firstError ?? ''})` : ''}`,
      );
      if (!quick || values['measured-out']) {
        measuredFile = values['measured-out'] ?? join(root, 'cost/measured.json');
        writeFileSync(measuredFile, `${JSON.stringify(measuredAssumptions(sizes, `${SIZE_METHOD}`), null, 2)}\n`);
        console.log(`  measured assumptions for npm run cost: ${measuredFile}`);
      }
      console.log('');
    }
    if (want('11')) {
      envelopes = [
        envelopeStudy(1024, 'application/json'),
        envelopeStudy(1024, 'application/octet-stream'),
        envelopeStudy(100, 'application/json'),
        envelopeStudy(16 * 1024, 'application/json'),
      ];
      console.log('11. Stream record size: the envelope today and two compact forms (bytes on Kinesis, encode/decode CPU per record)');
      for (const st of envelopes) {
        console.log(`  ${st.bodyBytes} B ${st.contentType}:`);
        for (const v of st.variants)
          console.log(
            `    ${v.name.padEnd(50)} ${String(v.bytes).padStart(6)} B (${v.overhead}x body)  encode ${v.encodeUs} µs  decode ${v.decodeUs} µs`,
          );
      }
      console.log('');
    }
    if (want('8') && functionsPid !== undefined) {
      const minutes = Number(values['memory-minutes'] ?? (quick ? 0.5 : 5));
      memory = await memoryUnderLoad(hub, () => rssKb(functionsPid), minutes);
      console.log(`8. Memory: HTTPS telemetry at ${memory.rate}/s for ${minutes} min, functions process RSS every 30 s`);
      console.log(`  ${memory.samples.map((x) => `${x.atSeconds}s ${x.rssMb} MB`).join(' · ')}`);
      console.log(
        `  p99 per 30 s window: ${memory.load.map((l) => l.p99).join(', ')} ms; errors ${memory.load.reduce((n, l) => n + l.errors + l.dropped, 0)}\n`,
      );
    }
  } finally {
    const rssEnd = rssKb(functionsPid);
    if (rssStart !== undefined)
      console.log(`functions process RSS: start ${Math.round(rssStart / 1024)} MB, end ${Math.round((rssEnd ?? 0) / 1024)} MB`);
    const outDir = values.out ?? join(root, 'bench-results');
    mkdirSync(outDir, { recursive: true });
    const file = join(outDir, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(
      file,
      JSON.stringify(
        {
          time: new Date().toISOString(),
          quick,
          machine,
          method: METHOD,
          plan,
          scenarios,
          query,
          coldStarts,
          memory,
          group,
          sizes,
          measuredFile,
          envelopes,
          rssKb: { start: rssStart, afterScenario: rssAfter, end: rssKb(functionsPid) },
        },
        null,
        2,
      ),
    );
    console.log(`results: ${file}`);
    await stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
