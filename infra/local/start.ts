/**
 * `npm start`: runs the whole hub locally until Ctrl-C (exit 0). A child that dies is restarted
 * by the supervisor; when one keeps dying the hub stops and exits 1.
 * Flags (and environment): --http-port (DEVHUB_HTTP_PORT), --ws-port (DEVHUB_WS_PORT),
 * --data-dir (DEVHUB_DATA_DIR), --hostname (DEVHUB_HOSTNAME), --in-memory, --tls, --stage, --events-shards,
 * --reset [--yes]; emulator ports from DEVHUB_{LAMBDA,DYNAMODB,KINESIS,SQS}_PORT.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { stopAllProcesses } from './processes';
import { resetDataDir } from './reset';
import { DEFAULT_PORTS, startLocalHub, type LocalHub } from './stack';

const usage = `Usage: npm start -- [options]

Runs DynamoDB (dynalite), Kinesis (kinesalite), SQS (local-aws-sqs) and the functions
(serverless offline) on localhost, with state under the data dir.

Options:
  --http-port <n>    HTTP API port (env DEVHUB_HTTP_PORT, default 3000)
  --ws-port <n>      WebSocket API port (env DEVHUB_WS_PORT, default 3001)
  --data-dir <dir>   state directory (env DEVHUB_DATA_DIR, default .devhub)
  --hostname <name>  hub host name devices use in SAS tokens (env DEVHUB_HOSTNAME, default localhost)
  --device-hostname <name> the device front door's own host name, as a deployed hub's function URL
                     has one (env DEVHUB_DEVICE_HOSTNAME, default the hub host name)
  --in-memory        keep nothing on disk between runs
  --tls              serve HTTPS and WSS with a self-signed certificate in <data-dir>/tls
  --stage <name>     stage name used in resource names (default local)
  --reset            delete the data dir (devices, keys, messages, logs) first; asks to confirm
  --yes              with --reset: do not ask
  --events-shards <n> shards of the events stream when it is created (default 2)
  --help             show this help

Emulator ports: env DEVHUB_LAMBDA_PORT (3002), DEVHUB_DYNAMODB_PORT (8000),
DEVHUB_KINESIS_PORT (4567), DEVHUB_SQS_PORT (9324).

A child process that dies is restarted (after 0.5 s, then 1, 2, 4 s while it keeps dying within
30 s of its start); the 5th such crash in a row stops the hub with exit code 1. Ctrl-C exits 0.
'devhub status' shows every component.`;

function port(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`${name} must be a port number, got "${value}"`);
  return n;
}

function eventsShards(value: string | undefined): Record<string, string> {
  if (value === undefined) return {};
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new Error(`--events-shards must be an integer in 1..64, got "${value}"`);
  return { eventsShardCount: String(n) };
}

function deviceHostname(value: string | undefined): { deviceHostname?: string } {
  if (value === undefined || value === '') return {};
  // It becomes a connection string's HostName and a token's resource: no scheme, port or path.
  if (!/^[A-Za-z0-9.-]+$/.test(value)) throw new Error(`--device-hostname must be a bare host name, got "${value}"`);
  return { deviceHostname: value };
}

// Node 20 is supported here; the SDK's notice about Node 22 is noise.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'http-port': { type: 'string' },
      'ws-port': { type: 'string' },
      'data-dir': { type: 'string' },
      hostname: { type: 'string' },
      'device-hostname': { type: 'string' },
      'in-memory': { type: 'boolean' },
      tls: { type: 'boolean' },
      stage: { type: 'string' },
      reset: { type: 'boolean' },
      yes: { type: 'boolean', short: 'y' },
      'events-shards': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  const env = process.env;
  const httpPort = port(values['http-port'] ?? env.DEVHUB_HTTP_PORT, DEFAULT_PORTS.httpPort, '--http-port');
  const wsPort = port(values['ws-port'] ?? env.DEVHUB_WS_PORT, DEFAULT_PORTS.wsPort, '--ws-port');
  const root = resolve(__dirname, '../..');
  const log = (line: string) => console.log(line);
  const dataDir = resolve(values['data-dir'] ?? env.DEVHUB_DATA_DIR ?? resolve(root, '.devhub'));
  if (values.reset && !(await resetDataDir(dataDir, { yes: values.yes ?? false, log }))) {
    process.exitCode = 1;
    return;
  }
  // Set once start-up finishes; a signal before that still stops every child started so far.
  const running: { hub?: LocalHub } = {};
  let stopping = false;
  const shutdown = async (reason: string, code: number) => {
    if (stopping) return;
    stopping = true;
    log(`\ndevhub: ${reason}, stopping...`);
    await (running.hub ? running.hub.stop() : stopAllProcesses());
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown('SIGINT', 0));
  process.on('SIGTERM', () => void shutdown('SIGTERM', 0));

  const hub = await startLocalHub({
    root,
    dataDir,
    hostname: values.hostname ?? env.DEVHUB_HOSTNAME ?? 'localhost',
    ...deviceHostname(values['device-hostname'] ?? env.DEVHUB_DEVICE_HOSTNAME),
    httpPort,
    wsPort,
    lambdaPort: port(env.DEVHUB_LAMBDA_PORT, DEFAULT_PORTS.lambdaPort, 'DEVHUB_LAMBDA_PORT'),
    dynamoPort: port(env.DEVHUB_DYNAMODB_PORT, DEFAULT_PORTS.dynamoPort, 'DEVHUB_DYNAMODB_PORT'),
    kinesisPort: port(env.DEVHUB_KINESIS_PORT, DEFAULT_PORTS.kinesisPort, 'DEVHUB_KINESIS_PORT'),
    sqsPort: port(env.DEVHUB_SQS_PORT, DEFAULT_PORTS.sqsPort, 'DEVHUB_SQS_PORT'),
    inMemory: values['in-memory'] ?? false,
    tls: values.tls ?? false,
    stage: values.stage ?? 'local',
    // Short log lines for a terminal, and no EMF metric lines in it (see README "Operations").
    params: { logStyle: 'compact', metricsDisabled: 'true', ...eventsShards(values['events-shards']) },
    echoFunctions: true,
    poller: true,
    // The C2D sweeper (rate(1 minute) in AWS) every 10 s, so expiry feedback is prompt locally.
    localScheduleSeconds: 10,
    log,
  });
  running.hub = hub;
  hub.fatal.catch((err: unknown) => void shutdown(`giving up (${err instanceof Error ? err.message : String(err)})`, 1));
  log(`
devhub is running.
  Devices:         ${hub.deviceUrl}   (the device function's URL; devices may use the HTTP API too)
  HTTP API:        ${hub.httpUrl}
  Console:         ${hub.httpUrl}/console   (sign in with the owner connection string below)
  WebSocket API:   ${hub.wsUrl}
  DynamoDB:        http://127.0.0.1:${hub.options.dynamoPort}   Kinesis: http://127.0.0.1:${hub.options.kinesisPort}   SQS: http://127.0.0.1:${hub.options.sqsPort}
  Data dir:        ${hub.options.dataDir}${hub.options.inMemory ? ' (in-memory: nothing is kept)' : ''}${hub.options.tls ? `\n  TLS certificate: ${resolve(hub.options.dataDir, 'tls/cert.pem')}` : ''}
  Owner connection string (also in ${hub.connectionFile}):
    ${hub.connectionString}

Try:  npx devhub device create my-device && npx devhub send --device my-device 'hello' && npx devhub tail --limit 5
      npx devhub status   (every component, queue depths, stream lag)
Crashed components are restarted and reported here. Press Ctrl-C to stop.`);
}

main().catch((err: unknown) => {
  console.error(`devhub: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
