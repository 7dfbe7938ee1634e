/**
 * The deployed template for each device front door (`--param deviceFrontDoor`), and the log settings
 * every function gets (README "Deploying", "Cost"): `serverless package` with no AWS account.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const root = resolve(__dirname, '..');

interface Resource {
  Type: string;
  Properties?: Record<string, unknown>;
}
interface Template {
  Resources: Record<string, Resource>;
  Outputs: Record<string, { Value: unknown }>;
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
/**
 * The device routes on the HTTP API, lower-cased. osls names a route's resource from its path
 * lower-cased, so of `devicebound` and `deviceBound` only one route survives in the template (a
 * known defect of deviceFrontDoor=httpApi, README "Deploying"); the function URL routes both.
 */
const deviceRoutes = (t: Template) =>
  ofType(t, 'AWS::ApiGatewayV2::Route')
    .map(([, r]) => String(r.Properties?.RouteKey))
    .filter((k) => /\/messages\/(events|devicebound)/i.test(k) && k !== 'POST /devices/{id}/messages/devicebound')
    .map((k) => k.toLowerCase());
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
    const keys = ofType(byDefault, 'AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties?.RouteKey);
    expect(keys).toEqual(expect.arrayContaining(['PUT /devices/{id}', 'POST /devices/{id}/messages/devicebound', 'GET /routes']));
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
  it('httpApi: the device routes on the HTTP API and no function URL', () => {
    expect(ofType(httpApi, 'AWS::Lambda::Url')).toEqual([]);
    expect(deviceRoutes(httpApi).sort()).toEqual(
      [
        'delete /devices/{id}/messages/devicebound/{locktoken}',
        'get /devices/{id}/messages/devicebound',
        'post /devices/{id}/messages/devicebound/{locktoken}/abandon',
        'post /devices/{id}/messages/events',
      ].sort(),
    );
    expect(envOf(httpApi, 'ServiceApiLambdaFunction').DEVICE_HOSTNAMES).toBe('');
  });

  it('both: the URL and the routes (devices move from one host to the other)', () => {
    expect(ofType(both, 'AWS::Lambda::Url')).toHaveLength(1);
    expect(deviceRoutes(both)).toHaveLength(4);
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
