import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { printCacheKey, serverlessPrint } from './serverlessPrint';
import { deriveSettings, runsPerDay } from './settings';

const repositoryRoot = resolve(__dirname, '..');

const service = `
service: hub
provider:
  name: aws
  architecture: arm64
  stage: \${opt:stage, 'dev'}
  memorySize: 512
  logRetentionInDays: 14
  environment:
    DEVICE_CACHE_TTL_MS: \${param:deviceCacheTtlMs, '30000'}
    HOST: \${param:hubHostname, self:custom.host}
custom:
  prefix: \${self:service}-\${sls:stage}
  host:
    Fn::Sub: '\${HttpApi}.execute-api.\${AWS::Region}.amazonaws.com'
  shards: \${param:eventsShardCount, 1}
functions:
  device:
    events:
      - httpApi: { method: POST, path: '/devices/{id}/messages/events' }
      - httpApi: 'GET /devices/{id}/messages/devicebound'
  commands:
    memorySize: 256
    events:
      - httpApi: { method: POST, path: '/devices/{id}/messages/devicebound' }
  registry:
    events:
      - httpApi: { method: PUT, path: '/devices/{id}' }
  fanout:
    memorySize: 1024
    architecture: x86_64
    events:
      - stream:
          type: kinesis
          arn: !GetAtt EventsStream.Arn
          batchSize: 500
          parallelizationFactor: 4
          batchWindow: 2
  sweep:
    events:
      - schedule: { rate: 'rate(5 minutes)' }
resources:
  - \${file(resources.yml)}
`;

const resourcesYml = `
Resources:
  EventsStream:
    Type: AWS::Kinesis::Stream
    Properties:
      Name: !Sub '\${AWS::StackName}-events'
      ShardCount: \${self:custom.shards}
      RetentionPeriodHours: 48
  DevicesTable:
    Type: AWS::DynamoDB::Table
    Properties:
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true }
`;

const fixtureDir = mkdtempSync(join(tmpdir(), 'devhub-cost-settings-'));
writeFileSync(join(fixtureDir, 'serverless.yml'), service);
writeFileSync(join(fixtureDir, 'resources.yml'), resourcesYml);
afterAll(() => rmSync(fixtureDir, { recursive: true, force: true }));

/** The fixture as `serverless print` resolves it (cached per content and parameters). */
function load(params: Record<string, string> = {}): unknown {
  return serverlessPrint({ root: repositoryRoot, file: join(fixtureDir, 'serverless.yml'), params });
}

describe('serverless print', () => {
  it('resolves self, opt, sls, param and file variables, keeping types, and leaves CloudFormation placeholders alone', () => {
    const r = load() as {
      provider: { environment: Record<string, unknown> };
      resources: { Resources: Record<string, { Properties: Record<string, unknown> }> };
    };
    expect(r.provider.environment.DEVICE_CACHE_TTL_MS).toBe('30000');
    expect(r.resources.Resources.EventsStream?.Properties.ShardCount).toBe(1);
    expect(r.provider.environment.HOST).toEqual({ 'Fn::Sub': '${HttpApi}.execute-api.${AWS::Region}.amazonaws.com' });
  });

  it('keys its cache by the parameters', () => {
    const a = printCacheKey({ root: repositoryRoot, file: join(fixtureDir, 'serverless.yml') });
    const b = printCacheKey({ root: repositoryRoot, file: join(fixtureDir, 'serverless.yml'), params: { eventsShardCount: '8' } });
    expect(a).not.toBe(b);
  });
});

describe('deriveSettings', () => {
  it('finds functions by their events and reads their memory and architecture', () => {
    const s = deriveSettings(load());
    expect(s.functions.deviceApi).toMatchObject({ name: 'device', memoryMb: 512, architecture: 'arm64', inServerlessYml: true });
    expect(s.functions.serviceApi).toMatchObject({ name: 'commands', memoryMb: 256 });
    expect(s.functions.router).toMatchObject({ name: 'fanout', memoryMb: 1024, architecture: 'x86_64' });
    expect(s.functions.sweeper.name).toBe('sweep');
    expect(s.functions.wsConnect).toMatchObject({ name: 'wsConnect', memoryMb: 512, architecture: 'arm64', inServerlessYml: false });
    expect(s.notes.join(' ')).toMatch(/wsConnect, wsDisconnect, wsMessage/);
  });

  it('reads the router event source, the stream, retention, cache TTL and PITR', () => {
    const s = deriveSettings(load({ eventsShardCount: '8' }));
    expect(s.router).toEqual({ batchSize: 500, parallelizationFactor: 4, maximumBatchingWindowSeconds: 2, fromServerlessYml: true });
    expect(s.sweeper).toEqual({ runsPerDay: 288, fromServerlessYml: true });
    expect(s.kinesis).toEqual({ mode: 'provisioned', shardCount: 8, retentionHours: 48 });
    expect(s.logRetentionDays).toBe(14);
    expect(s.deviceCacheTtlMs).toBe(30_000);
    expect(s.devicesTablePitr).toBe(true);
  });

  it('recognises an on-demand stream and applies Lambda defaults', () => {
    const s = deriveSettings({
      provider: {},
      functions: { f: { events: [{ stream: { arn: 'arn:aws:kinesis:x' } }] } },
      resources: { Resources: { S: { Type: 'AWS::Kinesis::Stream', Properties: { StreamModeDetails: { StreamMode: 'ON_DEMAND' } } } } },
    });
    expect(s.kinesis.mode).toBe('on-demand');
    expect(s.functions.router).toMatchObject({ name: 'f', memoryMb: 1024, architecture: 'x86_64' });
    expect(s.router).toMatchObject({ batchSize: 100, parallelizationFactor: 1, maximumBatchingWindowSeconds: 0 });
    expect(s.logRetentionDays).toBeNull();
  });

  it('finds the device front door: the device function URL, unless the device routes are on the HTTP API', () => {
    const device = (fn: Record<string, unknown>, environment: Record<string, string> = {}) =>
      deriveSettings({ provider: { environment }, functions: { deviceApi: { handler: 'dist/functions/deviceApi.handler', ...fn } } });
    const url = device({ url: true });
    expect(url.deviceFrontDoor).toBe('functionUrl');
    expect(url.functions.deviceApi.inServerlessYml).toBe(true);
    const routes = { events: [{ httpApi: { method: 'POST', path: '/devices/{id}/messages/events' } }] };
    expect(device(routes).deviceFrontDoor).toBe('httpApi');
    expect(device({ ...routes, url: true }).deviceFrontDoor).toBe('httpApi');
    expect(device({ ...routes, url: true }, { DEVICE_FRONT_DOOR: 'functionUrl' }).deviceFrontDoor).toBe('functionUrl');
  });

  it('reads the registry read settings: the TTL cache, or the change feed when the stack has one', () => {
    const reads = (environment: Record<string, string>) => deriveSettings({ provider: { environment }, functions: {} }).registryReads;
    expect(reads({ DEVICE_CACHE_TTL_MS: '10000' })).toMatchObject({ mode: 'ttl', cacheTtlMs: 10_000, changePollMs: null });
    expect(reads({ DEVICE_CACHE_TTL_MS: '10000', REGISTRY_CHANGE_POLL_MS: '5000', DEVICE_AUTH_CACHE_TTL_MS: '600000' })).toMatchObject({
      mode: 'changeFeed',
      cacheTtlMs: 600_000,
      changePollMs: 5000,
      missReadConsistent: false,
      derivedKeyFastPath: true,
    });
    const feed = { DEVICE_CACHE_TTL_MS: '10000', REGISTRY_CHANGE_POLL_MS: '5000' };
    expect(reads({ ...feed, DERIVED_KEY_FAST_PATH: 'off' }).derivedKeyFastPath).toBe(false);
    expect(reads({ ...feed, DERIVED_KEY_FAST_PATH: 'on' }).derivedKeyFastPath).toBe(true);
  });

  it('reads the log format', () => {
    const logs = (lambda: Record<string, string>) => deriveSettings({ provider: { logs: { lambda } }, functions: {} }).logging;
    expect(logs({ logFormat: 'JSON', systemLogLevel: 'WARN' })).toMatchObject({ format: 'JSON', systemLevel: 'WARN' });
    expect(logs({}).format).toBe('Text');
  });

  it('reads schedule rates', () => {
    expect(runsPerDay('rate(1 minute)')).toBe(1440);
    expect(runsPerDay('rate(2 hours)')).toBe(12);
    expect(runsPerDay('cron(0 * * * ? *)')).toBeUndefined();
  });

  it("reads this repository's serverless.yml", () => {
    // A smoke test against the real file (others edit it): the cost model must keep finding the D2C path.
    const s = deriveSettings(serverlessPrint({ root: repositoryRoot, stage: 'dev' }));
    expect(s.functions.deviceApi.inServerlessYml).toBe(true);
    expect(s.functions.deviceApi.memoryMb).toBeGreaterThan(0);
    expect(s.kinesis.shardCount).toBeGreaterThanOrEqual(1);
  });
});
