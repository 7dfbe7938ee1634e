/**
 * `serverless package` must work with no AWS account, and the CloudFormation it generates
 * must hold every resource with stage-scoped names and least-privilege IAM: no `*` outside a
 * commented allow-list (Fn::Sub and Fn::Join resolved), and no action the functions' code never
 * calls (derived from the SDK commands in each function's bundle: run `npm run build` first).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { withConditions, type Template } from './support/template';

const root = resolve(__dirname, '..');
const stage = 'pkgtest';
interface Resource {
  Type: string;
  Properties?: Record<string, unknown>;
}
let resources: Record<string, Resource> = {};
let packaged: Template = { Resources: {} };
let outDir = '';

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'devhub-package-'));
  const env = { ...process.env, SLS_TELEMETRY_DISABLED: '1', AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: '' };
  await promisify(execFile)(
    process.execPath,
    [join(root, 'node_modules/osls/bin/serverless.js'), 'package', '--stage', stage, '--package', outDir],
    { cwd: root, env },
  );
  const template = JSON.parse(readFileSync(join(outDir, 'cloudformation-template-update-stack.json'), 'utf8')) as Template;
  resources = template.Resources;
  packaged = template;
}, 120_000);

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

interface Statement {
  Action: string | string[];
  Resource: unknown;
}

function statementsOf(roles: [string, Resource][]): [string, Statement][] {
  return roles.flatMap(([id, role]) =>
    ((role.Properties?.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[]).flatMap((p) =>
      p.PolicyDocument.Statement.map((st): [string, Statement] => [id, st]),
    ),
  );
}

/** A resource value with Fn::Sub / Fn::Join / Fn::GetAtt / Ref resolved; references become `<Name>`. */
function resolveArn(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, unknown>;
  if ('Fn::GetAtt' in v) return `<${[v['Fn::GetAtt']].flat().join('.')}>`;
  if ('Ref' in v) return `<${String(v.Ref)}>`;
  if ('Fn::Join' in v) {
    const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map(resolveArn).join(sep);
  }
  if ('Fn::Sub' in v) {
    const sub = v['Fn::Sub'];
    const [template, vars] = (Array.isArray(sub) ? sub : [sub, {}]) as [string, Record<string, unknown>];
    const pseudo: Record<string, string> = { 'AWS::Partition': 'aws', 'AWS::Region': 'eu-west-1', 'AWS::AccountId': '123456789012' };
    return template.replace(/\$\{([^}]+)\}/g, (_, name: string) => pseudo[name] ?? (name in vars ? resolveArn(vars[name]) : `<${name}>`));
  }
  throw new Error(`unresolvable resource ${JSON.stringify(value)}`);
}

/**
 * The only `*` allowed in a resolved ARN, each for a reason:
 * - log streams: Lambda names them at run time, inside the function's own log group;
 * - WebSocket connections: connection ids are run-time values (execute-api:ManageConnections
 *   on the hub's own API and stage, any method: POST to push, DELETE to close);
 * - custom routing endpoints: created by users after deploy, matched by the endpoint naming
 *   convention (`routingEndpointNames`, default `{prefix}-ep-*`), which the routing API enforces.
 */
const WILDCARD_ALLOWED = [
  new RegExp(`^arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/devhub-${stage}-[A-Za-z0-9]+:\\*$`),
  /^arn:aws:execute-api:eu-west-1:123456789012:<WebsocketsApi>\/[a-z]+\/\*\/@connections\/\*$/,
  new RegExp(`^arn:aws:sqs:eu-west-1:123456789012:devhub-${stage}-ep-\\*$`),
  new RegExp(`^arn:aws:kinesis:eu-west-1:123456789012:stream/devhub-${stage}-ep-\\*$`),
];

/**
 * AWS SDK command → IAM action, for the services the hub's code calls (DynamoDB low-level and
 * document client, Kinesis, SQS, the API Gateway management API). Credential-provider and
 * endpoint-discovery commands that end up in every bundle (STS, SSO) are not the hub's calls.
 */
const COMMAND_ACTIONS: Record<string, string> = {
  GetItem: 'dynamodb:GetItem',
  Get: 'dynamodb:GetItem',
  PutItem: 'dynamodb:PutItem',
  Put: 'dynamodb:PutItem',
  UpdateItem: 'dynamodb:UpdateItem',
  Update: 'dynamodb:UpdateItem',
  DeleteItem: 'dynamodb:DeleteItem',
  Delete: 'dynamodb:DeleteItem',
  Query: 'dynamodb:Query',
  Scan: 'dynamodb:Scan',
  BatchGetItem: 'dynamodb:BatchGetItem',
  BatchGet: 'dynamodb:BatchGetItem',
  BatchWriteItem: 'dynamodb:BatchWriteItem',
  BatchWrite: 'dynamodb:BatchWriteItem',
  TransactWriteItems: 'dynamodb:TransactWriteItems',
  TransactWrite: 'dynamodb:TransactWriteItems',
  PutRecord: 'kinesis:PutRecord',
  PutRecords: 'kinesis:PutRecords',
  DescribeStreamSummary: 'kinesis:DescribeStreamSummary',
  GetRecords: 'kinesis:GetRecords',
  GetShardIterator: 'kinesis:GetShardIterator',
  ListShards: 'kinesis:ListShards',
  SendMessage: 'sqs:SendMessage',
  SendMessageBatch: 'sqs:SendMessage',
  ReceiveMessage: 'sqs:ReceiveMessage',
  DeleteMessage: 'sqs:DeleteMessage',
  DeleteMessageBatch: 'sqs:DeleteMessage',
  ChangeMessageVisibility: 'sqs:ChangeMessageVisibility',
  ChangeMessageVisibilityBatch: 'sqs:ChangeMessageVisibility',
  GetQueueUrl: 'sqs:GetQueueUrl',
  GetQueueAttributes: 'sqs:GetQueueAttributes',
  PostToConnection: 'execute-api:ManageConnections',
  DeleteConnection: 'execute-api:ManageConnections',
};
const NOT_HUB_CALLS = new Set([
  'AssumeRole',
  'AssumeRoleWithWebIdentity',
  'CreateToken',
  'GetRoleCredentials',
  'DescribeEndpoints',
  'DynamoDBDocumentClient',
]);

/** The IAM actions a bundle's code can call: every SDK command class esbuild kept (keepNames). */
function actionsCalledBy(bundle: string): Set<string> {
  const actions = new Set<string>();
  for (const [, command] of bundle.matchAll(/"([A-Z][A-Za-z]+)Command"/g)) {
    if (!command || NOT_HUB_CALLS.has(command)) continue;
    const action = COMMAND_ACTIONS[command];
    if (!action) throw new Error(`SDK command ${command}Command has no IAM action in COMMAND_ACTIONS`);
    actions.add(action);
  }
  return actions;
}

/**
 * Actions a role needs that no code calls: Lambda writes the function's logs, and the router's
 * Kinesis event source mapping reads the stream and sends failed batches' ranges to
 * router-failures with the function's role (AWS: "Lambda execution role permissions" for Kinesis).
 */
const NON_CODE_ACTIONS: Record<string, string[]> = {
  '*': ['logs:CreateLogStream', 'logs:PutLogEvents'],
  RouterRole: [
    'kinesis:GetRecords',
    'kinesis:GetShardIterator',
    'kinesis:DescribeStream',
    'kinesis:DescribeStreamSummary',
    'kinesis:ListShards',
    'sqs:SendMessage',
  ],
};

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

  it('grants no "*" in any action or resolved ARN except the commented allow-list', () => {
    const roles = ofType('AWS::IAM::Role');
    expect(roles.length).toBeGreaterThanOrEqual(2);
    const offending: string[] = [];
    for (const [id, statement] of statementsOf(roles)) {
      for (const action of [statement.Action].flat()) if (action.includes('*')) offending.push(`${id}: action ${action}`);
      for (const arn of [statement.Resource].flat().map(resolveArn)) {
        if (arn.includes('*') && !WILDCARD_ALLOWED.some((allowed) => allowed.test(arn))) offending.push(`${id}: resource ${arn}`);
      }
    }
    expect(offending).toEqual([]);
  });

  it("grants each role no action beyond what its functions' code can call (derived from the SDK commands in the bundles) and the listed non-code actions", () => {
    const bundlesOf = new Map<string, string[]>();
    for (const [, fn] of ofType('AWS::Lambda::Function')) {
      const role = ((fn.Properties?.Role as { 'Fn::GetAtt'?: string[] } | undefined)?.['Fn::GetAtt'] ?? [])[0] ?? '?';
      const bundle = String(fn.Properties?.Handler).replace(/\.handler$/, '.js');
      bundlesOf.set(role, [...(bundlesOf.get(role) ?? []), bundle]);
    }
    const report: Record<string, { unused: string[]; missing: string[] }> = {};
    for (const [role] of ofType('AWS::IAM::Role')) {
      const called = new Set<string>();
      for (const bundle of bundlesOf.get(role) ?? [])
        for (const a of actionsCalledBy(readFileSync(join(root, bundle), 'utf8'))) called.add(a);
      const granted = new Set(statementsOf([[role, resources[role] as Resource]]).flatMap(([, st]) => [st.Action].flat()));
      const needed = new Set([...called, ...(NON_CODE_ACTIONS[role] ?? []), ...NON_CODE_ACTIONS['*']!]);
      report[role] = {
        unused: [...granted].filter((a) => !needed.has(a)).sort(),
        missing: [...called].filter((a) => !granted.has(a)).sort(),
      };
    }
    console.log(`derived actions per role:\n${JSON.stringify(report, null, 1)}`);
    // "missing" over-approximates (a bundle holds every command its imported adapters could send,
    // not only the ones its routes reach), so it is reported for review; "unused" is exact.
    for (const [role, r] of Object.entries(report)) expect({ role, unused: r.unused }).toEqual({ role, unused: [] });
  });

  it("gives up on a router batch by age at least an hour before the stream's retention drops its records", () => {
    const [, mapping] = ofType('AWS::Lambda::EventSourceMapping')[0] ?? [];
    const [, stream] = ofType('AWS::Kinesis::Stream')[0] ?? [];
    const maxAge = Number(mapping?.Properties?.MaximumRecordAgeInSeconds);
    const retention = Number(stream?.Properties?.RetentionPeriodHours) * 3600;
    expect(maxAge).toBeGreaterThan(0);
    expect(retention - maxAge).toBeGreaterThanOrEqual(3600);
  });

  it('has a consumer-group managed policy: stream reads and the checkpoints table, nothing else', () => {
    const tables = ofType('AWS::DynamoDB::Table').map(([, r]) => r.Properties?.TableName);
    expect(tables).toContain(`devhub-${stage}-checkpoints`);
    const [policy] = ofType('AWS::IAM::ManagedPolicy').filter(([id]) => id === 'ConsumerGroupPolicy');
    expect(policy).toBeDefined();
    // Without --param enhancedFanOutGroups the enhanced fan-out statement is removed (test/enhancedFanOut.package.test.ts has them).
    const document = withConditions(packaged, policy?.[1].Properties?.PolicyDocument);
    const statements = (document as { Statement: { Action: string[]; Resource: unknown[] }[] }).Statement;
    expect(ofType('AWS::Kinesis::StreamConsumer')).toEqual([]);
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

  it('exposes the service HTTP routes, and the device API through its function URL (deviceFrontDoor, test/frontDoorTemplate.test.ts)', () => {
    expect(ofType('AWS::Lambda::Url').map(([id]) => id)).toEqual(['DeviceApiLambdaFunctionUrl']);
    const routes = ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties?.RouteKey);
    expect(routes).not.toContain('POST /devices/{id}/messages/events');
    expect(routes).toEqual(expect.arrayContaining(['PUT /devices/{id}', 'GET /devices/{id}', 'DELETE /devices/{id}', 'GET /devices']));
  });

  it('packages each function as its own small bundle', () => {
    for (const [, fn] of ofType('AWS::Lambda::Function')) {
      const key = JSON.stringify(fn.Properties?.Code);
      expect(key).toMatch(/\.zip/);
    }
  });
});
