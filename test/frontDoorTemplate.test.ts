/**
 * The deployed template for each device front door (`--param deviceFrontDoor`), and the log settings
 * every function gets (README "Deploying", "Cost"): `serverless package` with no AWS account.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { isCreated } from '../cost/cfnConditions';
import { DEVICE_ROUTE_KEYS } from '../lib/http/deviceRoutes';
import { narrowGatewayRoute } from '../lib/http/routes';
import { httpApiRoutes, selectRoute } from './support/httpApiRoutes';

const root = resolve(__dirname, '..');

interface Resource {
  Type: string;
  Condition?: string;
  Properties?: Record<string, unknown>;
}
interface Template {
  Resources: Record<string, Resource>;
  Outputs: Record<string, { Value: unknown }>;
  Conditions?: Record<string, unknown>;
}

const dirs: string[] = [];
async function packaged(params: string[]): Promise<Template> {
  const out = mkdtempSync(join(tmpdir(), 'devhub-frontdoor-'));
  dirs.push(out);
  const env = { ...process.env, SLS_TELEMETRY_DISABLED: '1', AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: '' };
  await promisify(execFile)(
    process.execPath,
    [
      join(root, 'node_modules/osls/bin/serverless.js'),
      'package',
      '--stage',
      'fdtest',
      '--package',
      out,
      ...params.flatMap((p) => ['--param', p]),
    ],
    { cwd: root, env },
  );
  return JSON.parse(readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8')) as Template;
}

let byDefault: Template;
let httpApi: Template;
let both: Template;
beforeAll(async () => {
  // One at a time: packaging writes the service directory's .serverless state.
  byDefault = await packaged([]);
  httpApi = await packaged(['deviceFrontDoor=httpApi']);
  both = await packaged(['deviceFrontDoor=both']);
}, 600_000);
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const ofType = (t: Template, type: string) => Object.entries(t.Resources).filter(([, r]) => r.Type === type);
/** The HTTP API routes that invoke the device function. */
const deviceRoutes = (t: Template) =>
  httpApiRoutes(t)
    .filter((r) => r.functionId === 'DeviceApiLambdaFunction')
    .map((r) => r.routeKey)
    .sort();

/** A request for each route the device handler serves (an id that needs escaping), as a device sends it. */
const deviceRequests = DEVICE_ROUTE_KEYS.map((routeKey) => {
  const [method = '', template = ''] = routeKey.split(' ');
  const pathParameters = { id: 'dev/1', ...(template.includes('{lockToken}') ? { lockToken: 'lock=1' } : {}) };
  const path = template.replace(/\{(\w+)\}/g, (_m, name: 'id' | 'lockToken') => encodeURIComponent(pathParameters[name] ?? ''));
  return { routeKey, method, path, pathParameters };
});

/**
 * Every device route the handler serves, sent to the packaged HTTP API: the route API Gateway
 * selects invokes the device function, and the handler's route table (lib/http/routes.ts) narrows
 * it back to the same route with the same parameters. Before the `{segment}` routes, osls's
 * lower-cased logical ids left one of `devicebound`/`deviceBound` per method in the template.
 */
function expectEveryDeviceRouteReachable(t: Template) {
  const routes = httpApiRoutes(t);
  for (const request of deviceRequests) {
    const selected = selectRoute(routes, request.method, request.path);
    expect([request.routeKey, selected?.functionId]).toEqual([request.routeKey, 'DeviceApiLambdaFunction']);
    const narrowed = selected && narrowGatewayRoute(DEVICE_ROUTE_KEYS, selected.routeKey, selected.pathParameters);
    expect(narrowed).toEqual({ routeKey: request.routeKey, pathParameters: request.pathParameters });
  }
}

/** The service side keeps its routes whichever front door devices use. */
function expectServiceRoutesKept(t: Template) {
  const routes = httpApiRoutes(t);
  expect(selectRoute(routes, 'POST', '/devices/d1/messages/devicebound')?.functionId).toBe('CommandsApiLambdaFunction');
  expect(selectRoute(routes, 'GET', '/devices/d1')?.functionId).toBe('ServiceApiLambdaFunction');
  expect(selectRoute(routes, 'GET', '/devices/d1/commands')?.functionId).toBe('CommandsApiLambdaFunction');
  expect(selectRoute(routes, 'DELETE', '/messages/serviceBound/feedback/t1')?.functionId).toBe('CommandsApiLambdaFunction');
}
const envOf = (t: Template, fn: string) => (t.Resources[fn]?.Properties?.Environment as { Variables: Record<string, unknown> }).Variables;

describe('deviceFrontDoor=functionUrl (default)', () => {
  it('gives the device function a URL with auth NONE (SAS in the handler) and no CORS, and outputs it', () => {
    const urls = ofType(byDefault, 'AWS::Lambda::Url');
    expect(urls).toHaveLength(1);
    const [id, url] = urls[0] ?? [];
    expect(id).toBe('DeviceApiLambdaFunctionUrl');
    expect(url?.Properties?.AuthType).toBe('NONE');
    expect(url?.Properties?.Cors).toBeUndefined();
    expect(url?.Properties?.TargetFunctionArn).toEqual({ 'Fn::GetAtt': ['DeviceApiLambdaFunction', 'Arn'] });
    expect(byDefault.Outputs.DeviceApiLambdaFunctionUrl?.Value).toEqual({ 'Fn::GetAtt': ['DeviceApiLambdaFunctionUrl', 'FunctionUrl'] });
    const invoke = ofType(byDefault, 'AWS::Lambda::Permission').map(([, r]) => r.Properties);
    expect(invoke).toContainEqual(
      expect.objectContaining({ Action: 'lambda:InvokeFunctionUrl', FunctionUrlAuthType: 'NONE', Principal: '*' }),
    );
  });

  it('routes no device path through the HTTP API, which keeps the service APIs', () => {
    expect(deviceRoutes(byDefault)).toEqual([]);
    for (const request of deviceRequests) expect(selectRoute(httpApiRoutes(byDefault), request.method, request.path)).toBeUndefined();
    expectServiceRoutesKept(byDefault);
  });

  it('tells the other functions the URL host, and the device function (which cannot reference its own URL) nothing', () => {
    const urlHost = { 'Fn::Select': [2, { 'Fn::Split': ['/', { 'Fn::GetAtt': ['DeviceApiLambdaFunctionUrl', 'FunctionUrl'] }] }] };
    expect(envOf(byDefault, 'ServiceApiLambdaFunction').DEVICE_HOSTNAMES).toEqual(urlHost);
    expect(envOf(byDefault, 'WsConnectLambdaFunction').DEVICE_HOSTNAMES).toEqual(urlHost);
    expect(envOf(byDefault, 'DeviceApiLambdaFunction').DEVICE_HOSTNAMES).toBe('');
    expect(JSON.stringify(byDefault.Resources.DeviceApiLambdaFunction)).not.toContain('DeviceApiLambdaFunctionUrl');
  });
});

describe('deviceFrontDoor=httpApi / both', () => {
  const segmentRoutes = [
    'DELETE /devices/{id}/messages/{segment}/{lockToken}',
    'GET /devices/{id}/messages/{segment}',
    'POST /devices/{id}/messages/events',
    'POST /devices/{id}/messages/{segment}/{lockToken}/abandon',
  ];

  it('httpApi: every device route the handler serves is reachable on the HTTP API, and no function URL', () => {
    expect(ofType(httpApi, 'AWS::Lambda::Url')).toEqual([]);
    expect(deviceRoutes(httpApi)).toEqual(segmentRoutes);
    expectEveryDeviceRouteReachable(httpApi);
    expectServiceRoutesKept(httpApi);
    expect(envOf(httpApi, 'ServiceApiLambdaFunction').DEVICE_HOSTNAMES).toBe('');
  });

  it('both: the URL and the same routes (devices move from one host to the other)', () => {
    expect(ofType(both, 'AWS::Lambda::Url')).toHaveLength(1);
    expect(deviceRoutes(both)).toEqual(segmentRoutes);
    expectEveryDeviceRouteReachable(both);
    expectServiceRoutesKept(both);
  });
});

describe('alarms on the device front door', () => {
  /** The alarms a template creates, by AWS metric they watch. */
  const alarmedMetrics = (t: Template) =>
    ofType(t, 'AWS::CloudWatch::Alarm')
      .filter(([, a]) => isCreated(t.Conditions ?? {}, a))
      .flatMap(([, a]) => {
        const p = a.Properties ?? {};
        type Stat = { Metric: { MetricName: string; Dimensions?: { Name: string; Value: unknown }[] } };
        const stats: Stat['Metric'][] = p.MetricName
          ? [{ MetricName: String(p.MetricName), Dimensions: p.Dimensions as Stat['Metric']['Dimensions'] }]
          : ((p.Metrics ?? []) as { MetricStat?: Stat }[]).flatMap((q) => (q.MetricStat ? [q.MetricStat.Metric] : []));
        return stats.map((m) => `${m.MetricName} ${JSON.stringify(m.Dimensions ?? [])}`);
      });
  const deviceFunction = [{ Name: 'FunctionName', Value: 'devhub-fdtest-deviceApi' }];
  const urlMetrics = ['Url5xxCount', 'UrlRequestCount', 'UrlRequestLatency'].map((m) => `${m} ${JSON.stringify(deviceFunction)}`);

  it('watches the function URL 5xx rate and latency wherever devices use it (a 5xx the handler answers is no Lambda error)', () => {
    expect(byDefault.Resources.DeviceApiLambdaFunction?.Properties?.FunctionName).toBe('devhub-fdtest-deviceApi');
    for (const t of [byDefault, both]) expect(alarmedMetrics(t)).toEqual(expect.arrayContaining(urlMetrics));
    expect(alarmedMetrics(httpApi).filter((m) => m.startsWith('Url'))).toEqual([]);
  });

  it('keeps the HTTP API 5xx alarm with every front door (the service APIs, and devices on httpApi or both)', () => {
    for (const t of [byDefault, httpApi, both]) expect(alarmedMetrics(t).some((m) => m.startsWith('5xx '))).toBe(true);
  });
});

describe('log volume', () => {
  it('every function logs JSON, platform lines at WARN (no START/END/REPORT billed), its own at INFO', () => {
    for (const t of [byDefault, httpApi]) {
      const functions = ofType(t, 'AWS::Lambda::Function');
      expect(functions.length).toBeGreaterThan(5);
      for (const [id, fn] of functions) {
        expect([id, fn.Properties?.LoggingConfig]).toEqual([
          id,
          { LogFormat: 'JSON', SystemLogLevel: 'WARN', ApplicationLogLevel: 'INFO' },
        ]);
      }
    }
  });
});
