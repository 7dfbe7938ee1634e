/**
 * `serverless package` must work with no AWS account, and the CloudFormation it generates
 * must hold every resource with stage-scoped names and least-privilege IAM.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const root = resolve(__dirname, '..');
const stage = 'pkgtest';
interface Resource {
  Type: string;
  Properties?: Record<string, unknown>;
}
let resources: Record<string, Resource> = {};
let outDir = '';

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'devhub-package-'));
  const env = { ...process.env, SLS_TELEMETRY_DISABLED: '1', AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: '' };
  await promisify(execFile)(
    process.execPath,
    [join(root, 'node_modules/osls/bin/serverless.js'), 'package', '--stage', stage, '--package', outDir],
    { cwd: root, env },
  );
  const template = JSON.parse(readFileSync(join(outDir, 'cloudformation-template-update-stack.json'), 'utf8')) as {
    Resources: Record<string, Resource>;
  };
  resources = template.Resources;
}, 120_000);

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

describe('packaged CloudFormation', () => {
  it('holds the data resources with stage-scoped names', () => {
    const tables = ofType('AWS::DynamoDB::Table').map(([, r]) => r.Properties?.TableName);
    expect(tables).toEqual(
      expect.arrayContaining([
        `devhub-${stage}-devices`,
        `devhub-${stage}-policies`,
        `devhub-${stage}-c2d`,
        `devhub-${stage}-connections`,
        `devhub-${stage}-routing`,
      ]),
    );
    expect(ofType('AWS::Kinesis::Stream').map(([, r]) => r.Properties?.Name)).toContain(`devhub-${stage}-events`);
    const queues = ofType('AWS::SQS::Queue').map(([, r]) => r.Properties?.QueueName);
    expect(queues).toEqual(expect.arrayContaining([`devhub-${stage}-feedback`, `devhub-${stage}-routing-dlq`]));
  });

  it('deploys every function on nodejs22.x with a role of its own part of the hub', () => {
    const functions = ofType('AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThanOrEqual(8);
    const roleOf = new Map<string, string>();
    for (const [id, fn] of functions) {
      expect([id, fn.Properties?.Runtime]).toEqual([id, 'nodejs22.x']);
      const role = JSON.stringify(fn.Properties?.Role);
      expect(role).not.toContain('IamRoleLambdaExecution'); // never the framework's shared role
      roleOf.set(id, role);
    }
    // Only the three WebSocket route handlers share one role (they are one API surface).
    const shared = [...roleOf.values()].filter((r, i, all) => all.indexOf(r) !== i);
    expect(new Set(shared).size).toBeLessThanOrEqual(1);
    expect(shared.every((r) => r.includes('WebSocketRole'))).toBe(true);
  });

  it('grants no "*" action or resource in any data-plane statement', () => {
    const roles = ofType('AWS::IAM::Role');
    expect(roles.length).toBeGreaterThanOrEqual(2);
    for (const [id, role] of roles) {
      const policies = (role.Properties?.Policies ?? []) as {
        PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] };
      }[];
      for (const statement of policies.flatMap((p) => p.PolicyDocument.Statement)) {
        const actions = [statement.Action].flat();
        for (const action of actions) expect([id, action]).toEqual([id, expect.not.stringMatching(/^\*$|:\*$/)]);
        const resourcesOf = [statement.Resource].flat();
        for (const r of resourcesOf) expect([id, r]).not.toEqual([id, '*']);
      }
    }
  });

  it('has a consumer-group managed policy: stream reads and the checkpoints table, nothing else', () => {
    const tables = ofType('AWS::DynamoDB::Table').map(([, r]) => r.Properties?.TableName);
    expect(tables).toContain(`devhub-${stage}-checkpoints`);
    const [policy] = ofType('AWS::IAM::ManagedPolicy').filter(([id]) => id === 'ConsumerGroupPolicy');
    expect(policy).toBeDefined();
    const statements = (policy?.[1].Properties?.PolicyDocument as { Statement: { Action: string[]; Resource: unknown[] }[] }).Statement;
    expect(statements.map((st) => [st.Action, st.Resource])).toEqual([
      [
        ['kinesis:DescribeStreamSummary', 'kinesis:ListShards', 'kinesis:GetShardIterator', 'kinesis:GetRecords'],
        [{ 'Fn::GetAtt': ['EventsStream', 'Arn'] }],
      ],
      [
        ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query', 'dynamodb:Scan'],
        [{ 'Fn::GetAtt': ['CheckpointsTable', 'Arn'] }],
      ],
    ]);
  });

  it('exposes the device and service HTTP routes', () => {
    const routes = ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties?.RouteKey);
    expect(routes).toEqual(
      expect.arrayContaining([
        'POST /devices/{id}/messages/events',
        'PUT /devices/{id}',
        'GET /devices/{id}',
        'DELETE /devices/{id}',
        'GET /devices',
      ]),
    );
  });

  it('packages each function as its own small bundle', () => {
    for (const [, fn] of ofType('AWS::Lambda::Function')) {
      const key = JSON.stringify(fn.Properties?.Code);
      expect(key).toMatch(/\.zip/);
    }
  });
});
