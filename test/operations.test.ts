/**
 * Operations in the packaged stack (`serverless package`, no AWS account): every alarm watches a
 * metric the hub emits (lib/metrics.ts) or one AWS publishes for a resource of this stack, with
 * stage-scoped names and thresholds from parameters; the dashboard shows the hub's metrics and
 * every alarm; logging, tracing, data retention and stream retention follow their parameters.
 * Packaged twice: with the defaults, and with every operations parameter changed.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { conditionHolds } from '../cost/cfnConditions';
import { POLICY_SETUP_OPERATIONS } from '../lib/adapters/aws/policyStore';
import { METRIC_CATALOGUE, METRIC_NAMESPACE } from '../lib/metrics';

const root = resolve(__dirname, '..');

interface Resource {
  Type: string;
  Condition?: string;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  Properties: Record<string, unknown>;
}
interface Template {
  Resources: Record<string, Resource>;
  Conditions?: Record<string, unknown>;
}

const ALT_PARAMS: Record<string, string> = {
  tracing: 'true',
  retainData: 'false',
  pointInTimeRecovery: 'false',
  eventsRetentionHours: '168',
  createAlarmTopic: 'true',
  alarmEmail: 'oncall@example.com',
  logLevel: 'DEBUG',
  systemLogLevel: 'INFO',
  alarmIteratorAgeMs: '120000',
  alarmHttp5xxPercent: '5',
};

const dirs: string[] = [];
async function packageStack(stage: string, params: Record<string, string>): Promise<Template> {
  const outDir = mkdtempSync(join(tmpdir(), 'devhub-ops-'));
  dirs.push(outDir);
  const env = { ...process.env, SLS_TELEMETRY_DISABLED: '1', AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: '' };
  const args = [join(root, 'node_modules/osls/bin/serverless.js'), 'package', '--stage', stage, '--package', outDir];
  for (const [k, v] of Object.entries(params)) args.push('--param', `${k}=${v}`);
  await promisify(execFile)(process.execPath, args, { cwd: root, env }).catch((err: { stdout?: string; stderr?: string }) => {
    throw new Error(`serverless package failed:\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
  });
  return JSON.parse(readFileSync(join(outDir, 'cloudformation-template-update-stack.json'), 'utf8')) as Template;
}

let base: Template;
let alt: Template;
beforeAll(async () => {
  // One after the other: two packagings of one service directory at once trip over each other.
  base = await packageStack('opstest', {});
  alt = await packageStack('opsalt', ALT_PARAMS);
}, 240_000);
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const ofType = (t: Template, type: string) => Object.entries(t.Resources).filter(([, r]) => r.Type === type);

/** Evaluates a CloudFormation condition of the packaged template (cost/cfnConditions.ts). */
const condition = (t: Template, expr: unknown) => conditionHolds(t.Conditions ?? {}, expr);
const created = (t: Template, r: Resource) => r.Condition === undefined || condition(t, { Condition: r.Condition });

/** Resolves Fn::If and AWS::NoValue the way CloudFormation would. */
function resolveIfs(t: Template, v: unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => resolveIfs(t, x)).filter((x) => x !== NO_VALUE);
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (Array.isArray(o['Fn::If'])) {
      const [name, yes, no] = o['Fn::If'] as [string, unknown, unknown];
      return resolveIfs(t, condition(t, { Condition: name }) ? yes : no);
    }
    if (o.Ref === 'AWS::NoValue') return NO_VALUE;
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, resolveIfs(t, x)]));
  }
  return v;
}
const NO_VALUE = Symbol('NoValue');

interface MetricRef {
  namespace: string;
  name: string;
  dimensions: Record<string, unknown>;
}

function alarmMetrics(alarm: Resource): MetricRef[] {
  const p = alarm.Properties;
  const dims = (d: unknown) => Object.fromEntries(((d ?? []) as { Name: string; Value: unknown }[]).map((x) => [x.Name, x.Value]));
  if (typeof p.MetricName === 'string') return [{ namespace: String(p.Namespace), name: p.MetricName, dimensions: dims(p.Dimensions) }];
  const queries = p.Metrics as {
    Id: string;
    Expression?: string;
    MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions?: unknown } };
  }[];
  return queries.flatMap((q) =>
    q.MetricStat
      ? [
          {
            namespace: q.MetricStat.Metric.Namespace,
            name: q.MetricStat.Metric.MetricName,
            dimensions: dims(q.MetricStat.Metric.Dimensions),
          },
        ]
      : [],
  );
}

/** What AWS publishes, per namespace and metric: the dimension naming the stack's resource. */
function awsPublished(t: Template): (m: MetricRef) => string | undefined {
  const names = (type: string, prop: string) => new Set(ofType(t, type).map(([, r]) => r.Properties[prop]));
  const functions = names('AWS::Lambda::Function', 'FunctionName');
  // Function URL metrics exist only for a function the stack gives a URL.
  const withUrl = new Set(
    ofType(t, 'AWS::Lambda::Url').map(([, u]) => {
      const [fnId] = (u.Properties.TargetFunctionArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
      return t.Resources[fnId]?.Properties.FunctionName;
    }),
  );
  const queues = names('AWS::SQS::Queue', 'QueueName');
  const streams = names('AWS::Kinesis::Stream', 'Name');
  const tables = names('AWS::DynamoDB::Table', 'TableName');
  const api = (protocol: string) =>
    ofType(t, 'AWS::ApiGatewayV2::Api')
      .filter(([, r]) => r.Properties.ProtocolType === protocol)
      .map(([id]) => JSON.stringify({ Ref: id }));
  const check: Record<string, Record<string, (d: Record<string, unknown>) => boolean>> = {
    'AWS/Lambda': {
      IteratorAge: (d) => functions.has(d.FunctionName),
      Errors: (d) => functions.has(d.FunctionName),
      Throttles: (d) => functions.has(d.FunctionName),
      // Account-wide in the region (the limit this stack's functions share): no dimension.
      ConcurrentExecutions: (d) => Object.keys(d).length === 0,
      UrlRequestCount: (d) => withUrl.has(d.FunctionName),
      Url5xxCount: (d) => withUrl.has(d.FunctionName),
      UrlRequestLatency: (d) => withUrl.has(d.FunctionName),
    },
    'AWS/SQS': {
      ApproximateNumberOfMessagesVisible: (d) => queues.has(d.QueueName),
      ApproximateAgeOfOldestMessage: (d) => queues.has(d.QueueName),
    },
    'AWS/Kinesis': {
      WriteProvisionedThroughputExceeded: (d) => streams.has(d.StreamName),
      IncomingBytes: (d) => streams.has(d.StreamName),
    },
    'AWS/ApiGateway': {
      '5xx': (d) => api('HTTP').includes(JSON.stringify(d.ApiId)),
      Count: (d) => api('HTTP').includes(JSON.stringify(d.ApiId)),
      Latency: (d) => api('HTTP').includes(JSON.stringify(d.ApiId)),
      IntegrationError: (d) => api('WEBSOCKET').includes(JSON.stringify(d.ApiId)),
      ExecutionError: (d) => api('WEBSOCKET').includes(JSON.stringify(d.ApiId)),
      MessageCount: (d) => api('WEBSOCKET').includes(JSON.stringify(d.ApiId)),
      IntegrationLatency: (d) => api('WEBSOCKET').includes(JSON.stringify(d.ApiId)),
    },
    'AWS/DynamoDB': {
      ReadThrottleEvents: (d) => tables.has(d.TableName) && Object.keys(d).length === 1,
      WriteThrottleEvents: (d) => tables.has(d.TableName) && Object.keys(d).length === 1,
      SystemErrors: (d) => tables.has(d.TableName) && typeof d.Operation === 'string',
    },
  };
  return (m) => {
    const ok = check[m.namespace]?.[m.name];
    if (!ok) return `${m.namespace} ${m.name} is not a metric AWS publishes for this stack's resources`;
    return ok(m.dimensions)
      ? undefined
      : `${m.namespace} ${m.name} has dimensions ${JSON.stringify(m.dimensions)} naming no resource of this stack`;
  };
}

describe('alarms', () => {
  it('every alarm watches a metric the hub emits or AWS publishes for a resource of this stack', () => {
    const alarms = ofType(base, 'AWS::CloudWatch::Alarm');
    expect(alarms.length).toBeGreaterThanOrEqual(30);
    const aws = awsPublished(base);
    const problems: string[] = [];
    for (const [id, alarm] of alarms) {
      const refs = alarmMetrics(alarm);
      if (refs.length === 0) problems.push(`${id}: no metric`);
      for (const m of refs) {
        if (m.namespace === METRIC_NAMESPACE) {
          const spec = (METRIC_CATALOGUE as Record<string, { dimensions: readonly string[] }>)[m.name];
          if (!spec) problems.push(`${id}: ${m.name} is not a hub metric`);
          else if (JSON.stringify(Object.keys(m.dimensions).sort()) !== JSON.stringify(['service', ...spec.dimensions].sort()))
            problems.push(`${id}: ${m.name} with dimensions the hub does not emit`);
          else if (m.dimensions.service !== 'devhub-opstest') problems.push(`${id}: another stage's metric`);
        } else {
          const problem = aws(m);
          if (problem) problems.push(`${id}: ${problem}`);
        }
      }
      // Metric math refers only to the alarm's own queries.
      for (const q of (alarm.Properties.Metrics ?? []) as { Id: string; Expression?: string }[]) {
        const ids = new Set(((alarm.Properties.Metrics ?? []) as { Id: string }[]).map((x) => x.Id));
        for (const ref of q.Expression?.match(/\bm\d+\b/g) ?? []) if (!ids.has(ref)) problems.push(`${id}: ${ref} undefined`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('reads a missing data point of a hub metric as "no failures": its failure counters are published only when non-zero', () => {
    const onHubMetrics = ofType(base, 'AWS::CloudWatch::Alarm').filter(([, a]) =>
      alarmMetrics(a).some((m) => m.namespace === METRIC_NAMESPACE),
    );
    expect(onHubMetrics.map(([id]) => id)).toContain('WsFrameFailuresAlarm');
    for (const [id, alarm] of onHubMetrics) expect([id, alarm.Properties.TreatMissingData]).toEqual([id, 'notBreaching']);
  });

  it('the check above fails for a metric nobody publishes (it can fail)', () => {
    const aws = awsPublished(base);
    expect(aws({ namespace: 'AWS/SQS', name: 'ApproximateAgeOfOldestMessage', dimensions: { QueueName: 'someone-elses-queue' } })).toMatch(
      /naming no resource/,
    );
    expect(aws({ namespace: 'AWS/Lambda', name: 'Invented', dimensions: {} })).toMatch(/not a metric/);
  });

  it('has stage-scoped, unique names', () => {
    for (const [t, stage] of [
      [base, 'opstest'],
      [alt, 'opsalt'],
    ] as const) {
      const names = ofType(t, 'AWS::CloudWatch::Alarm').map(([, r]) => String(r.Properties.AlarmName));
      for (const n of names) expect(n).toMatch(new RegExp(`^devhub-${stage}-[A-Za-z0-9-]+$`));
      expect(new Set(names).size).toBe(names.length);
    }
  });

  it('covers routing lag and failures, dead letters, feedback, every function, concurrency, the stream, both APIs and every table', () => {
    const watched = ofType(base, 'AWS::CloudWatch::Alarm').flatMap(([, a]) =>
      alarmMetrics(a).map((m) => `${m.name} ${JSON.stringify(m.dimensions)}`),
    );
    const has = (name: string, dims: Record<string, unknown> = {}) =>
      expect([
        name,
        dims,
        watched.some((w) => w.startsWith(`${name} `) && Object.entries(dims).every(([k, v]) => w.includes(`"${k}":${JSON.stringify(v)}`))),
      ]).toEqual([name, dims, true]);
    has('IteratorAge', { FunctionName: 'devhub-opstest-router' });
    has('ApproximateNumberOfMessagesVisible', { QueueName: 'devhub-opstest-router-failures' });
    has('ApproximateNumberOfMessagesVisible', { QueueName: 'devhub-opstest-routing-dlq' });
    has('ApproximateAgeOfOldestMessage', { QueueName: 'devhub-opstest-routing-dlq' });
    has('ApproximateAgeOfOldestMessage', { QueueName: 'devhub-opstest-feedback' });
    for (const [, fn] of ofType(base, 'AWS::Lambda::Function')) {
      has('Errors', { FunctionName: fn.Properties.FunctionName });
      has('Throttles', { FunctionName: fn.Properties.FunctionName });
    }
    has('ConcurrentExecutions');
    has('WriteProvisionedThroughputExceeded', { StreamName: 'devhub-opstest-events' });
    has('IncomingBytes', { StreamName: 'devhub-opstest-events' });
    has('5xx', { ApiId: { Ref: 'HttpApi' } });
    has('Latency', { ApiId: { Ref: 'HttpApi' } });
    has('IntegrationError', { ApiId: { Ref: 'WebsocketsApi' } });
    has('IntegrationLatency', { ApiId: { Ref: 'WebsocketsApi' } });
    for (const [, table] of ofType(base, 'AWS::DynamoDB::Table')) {
      has('ReadThrottleEvents', { TableName: table.Properties.TableName });
      has('WriteThrottleEvents', { TableName: table.Properties.TableName });
      has('SystemErrors', { TableName: table.Properties.TableName });
    }
  });

  it("watches DynamoDB SystemErrors of exactly the operations the hub performs on each table: the IAM-granted ones, plus devhub init's on policies", () => {
    const tables = ofType(base, 'AWS::DynamoDB::Table').map(([id, r]) => [id, String(r.Properties.TableName)] as const);
    // What the stack grants on each table (its indexes included): functions' roles (test/package.test.ts
    // derives those from the SDK commands in the bundles) and the consumer-group managed policy.
    const statements = [
      ...ofType(base, 'AWS::IAM::Role').flatMap(([, r]) => (r.Properties.Policies ?? []) as { PolicyDocument: unknown }[]),
      ...ofType(base, 'AWS::IAM::ManagedPolicy').map(([, r]) => r.Properties as { PolicyDocument: unknown }),
    ].flatMap((p) => (resolveIfs(base, p.PolicyDocument) as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement);
    const expected = new Map<string, Set<string>>(tables.map(([, name]) => [name, new Set<string>()]));
    for (const st of statements) {
      const actions = [st.Action].flat().filter((a) => a.startsWith('dynamodb:'));
      for (const resource of [st.Resource].flat().map((r) => JSON.stringify(r)))
        for (const [id, name] of tables)
          if (resource.includes(`"${id}"`) || resource.includes(`\${${id}.Arn}`))
            for (const a of actions) expected.get(name)?.add(a.replace('dynamodb:', ''));
    }
    for (const op of POLICY_SETUP_OPERATIONS) expected.get('devhub-opstest-policies')?.add(op);
    const watched = new Map<string, Set<string>>(tables.map(([, name]) => [name, new Set<string>()]));
    for (const [, alarm] of ofType(base, 'AWS::CloudWatch::Alarm'))
      for (const m of alarmMetrics(alarm))
        if (m.namespace === 'AWS/DynamoDB' && m.name === 'SystemErrors')
          watched.get(String(m.dimensions.TableName))?.add(String(m.dimensions.Operation));
    const sorted = (m: Map<string, Set<string>>) => Object.fromEntries([...m].map(([t, ops]) => [t, [...ops].sort()]));
    expect(sorted(watched)).toEqual(sorted(expected));
    // The derivation sees what the code does (it can fail): the sweeper scans connections, the hub updates policies.
    expect(sorted(expected)['devhub-opstest-connections']).toContain('Scan');
    expect(sorted(expected)['devhub-opstest-policies']).toContain('UpdateItem');
  });

  it('takes thresholds from parameters, and the stream capacity alarm follows the shard count', () => {
    const threshold = (t: Template, id: string) => Number(t.Resources[id]?.Properties.Threshold);
    expect(threshold(base, 'RouterIteratorAgeAlarm')).toBe(60000);
    expect(threshold(alt, 'RouterIteratorAgeAlarm')).toBe(120000);
    expect(threshold(base, 'HttpApi5xxAlarm')).toBe(1);
    expect(threshold(alt, 'HttpApi5xxAlarm')).toBe(5);
    const expression = (base.Resources.StreamCapacityAlarm?.Properties.Metrics as { Expression?: string }[])[0]?.Expression;
    expect(expression).toBe('100 * m1 / (60 * 1048576 * 1)');
  });

  it('notifies nobody by default, and a created topic (with an e-mail subscription) when asked', () => {
    const actions = (t: Template) => ofType(t, 'AWS::CloudWatch::Alarm').map(([, a]) => resolveIfs(t, a.Properties.AlarmActions));
    expect(new Set(actions(base).map((a) => JSON.stringify(a === NO_VALUE ? null : a)))).toEqual(new Set(['null']));
    expect(new Set(actions(alt).map((a) => JSON.stringify(a)))).toEqual(new Set([JSON.stringify([{ Ref: 'AlarmTopic' }])]));
    const topic = alt.Resources.AlarmTopic as Resource;
    expect([created(base, base.Resources.AlarmTopic as Resource), created(alt, topic)]).toEqual([false, true]);
    expect(topic.Properties.TopicName).toBe('devhub-opsalt-alarms');
    const subscription = alt.Resources.AlarmEmailSubscription as Resource;
    expect(created(alt, subscription)).toBe(true);
    expect(subscription.Properties.Endpoint).toBe('oncall@example.com');
  });
});

describe('dashboard', () => {
  it('is stage-scoped, shows every hub metric and every alarm', () => {
    const [[, dashboard] = ['', undefined]] = ofType(base, 'AWS::CloudWatch::Dashboard');
    expect(dashboard?.Properties.DashboardName).toBe('devhub-opstest');
    // Fn::Sub [body, { DeviceUrlAlarms: Fn::If [DeviceUrlEnabled, the URL alarms, ''] }]
    const [template, variables] = (dashboard?.Properties.DashboardBody as { 'Fn::Sub': [string, Record<string, unknown>] })['Fn::Sub'];
    const urlAlarms = resolveIfs(base, variables.DeviceUrlAlarms);
    const text = template.replace(
      '${DeviceUrlAlarms}',
      typeof urlAlarms === 'string' ? urlAlarms : String((urlAlarms as { 'Fn::Sub': string })['Fn::Sub']),
    );
    // The body is JSON once CloudFormation has substituted ${...}.
    const body = JSON.parse(text.replace(/\$\{[^}]+\}/g, 'x')) as {
      widgets: { properties: { metrics?: unknown[]; alarms?: unknown[] } }[];
    };
    const shown = JSON.stringify(body.widgets.map((w) => w.properties.metrics ?? []));
    for (const name of Object.keys(METRIC_CATALOGUE))
      expect([name, shown.includes(`"${name}"`) || shown.includes(`\\"${name}\\"`)]).toEqual([name, true]);
    expect(shown).toContain('service=\\"devhub-opstest\\"');
    for (const [id] of ofType(base, 'AWS::CloudWatch::Alarm')) expect(text).toContain(`\${${id}.Arn}`);
  });
});

describe('logging and tracing', () => {
  it('every function logs JSON with the application and system levels from parameters (system WARN by default)', () => {
    for (const [t, app, system] of [
      [base, 'INFO', 'WARN'],
      [alt, 'DEBUG', 'INFO'],
    ] as const) {
      for (const [id, fn] of ofType(t, 'AWS::Lambda::Function')) {
        expect([id, fn.Properties.LoggingConfig]).toEqual([id, { LogFormat: 'JSON', ApplicationLogLevel: app, SystemLogLevel: system }]);
        const env = (fn.Properties.Environment as { Variables: Record<string, string> }).Variables;
        expect([id, env.POWERTOOLS_LOG_LEVEL, env.POWERTOOLS_SERVICE_NAME]).toEqual([
          id,
          app,
          `devhub-${t === base ? 'opstest' : 'opsalt'}`,
        ]);
      }
    }
  });

  it('traces only with tracing=true, and then grants X-Ray (the one "*" resource) to every function role', () => {
    for (const [, fn] of ofType(base, 'AWS::Lambda::Function')) {
      expect(fn.Properties.TracingConfig).toBeUndefined();
      expect(String((fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables.POWERTOOLS_TRACE_ENABLED)).toBe(
        'false',
      );
    }
    expect(created(base, base.Resources.TracingPolicy as Resource)).toBe(false);
    const policy = alt.Resources.TracingPolicy as Resource;
    expect(created(alt, policy)).toBe(true);
    const roles = new Set<string>();
    for (const [, fn] of ofType(alt, 'AWS::Lambda::Function')) {
      expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
      expect(String((fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables.POWERTOOLS_TRACE_ENABLED)).toBe('true');
      roles.add((fn.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0] ?? '');
    }
    expect(new Set((policy.Properties.Roles as { Ref: string }[]).map((r) => r.Ref))).toEqual(roles);
    const statements = (policy.Properties.PolicyDocument as { Statement: { Action: string[]; Resource: string }[] }).Statement;
    expect(statements).toEqual([{ Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' }]);
  });

  it('no other managed policy grants a "*" resource', () => {
    for (const t of [base, alt]) {
      for (const [id, p] of ofType(t, 'AWS::IAM::ManagedPolicy')) {
        if (id === 'TracingPolicy') continue;
        expect([id, JSON.stringify(p.Properties.PolicyDocument)]).not.toEqual([id, expect.stringContaining('"Resource":"*"')]);
      }
    }
  });
});

describe('data that survives a mistake', () => {
  const userData = [
    'devhub-{s}-devices',
    'devhub-{s}-policies',
    'devhub-{s}-c2d',
    'devhub-{s}-routing',
    'devhub-{s}-events',
    'devhub-{s}-feedback',
    'devhub-{s}-routing-dlq',
    'devhub-{s}-router-failures',
  ];
  const named = (t: Template) =>
    new Map(
      Object.values(t.Resources)
        .filter((r) => ['AWS::DynamoDB::Table', 'AWS::Kinesis::Stream', 'AWS::SQS::Queue'].includes(r.Type))
        .map((r) => [String(r.Properties.TableName ?? r.Properties.Name ?? r.Properties.QueueName), r]),
    );

  it('retains every table, stream and queue holding user data (Delete with retainData=false)', () => {
    for (const [t, stage, policy] of [
      [base, 'opstest', 'Retain'],
      [alt, 'opsalt', 'Delete'],
    ] as const) {
      const resources = named(t);
      for (const pattern of userData) {
        const name = pattern.replace('{s}', stage);
        const r = resources.get(name);
        expect([name, r?.DeletionPolicy, r?.UpdateReplacePolicy]).toEqual([name, policy, policy]);
      }
    }
  });

  it('turns on point-in-time recovery for registry, policies, routing and C2D (off with pointInTimeRecovery=false)', () => {
    for (const [t, stage, on] of [
      [base, 'opstest', true],
      [alt, 'opsalt', false],
    ] as const) {
      for (const table of ['devices', 'policies', 'routing', 'c2d']) {
        const r = named(t).get(`devhub-${stage}-${table}`);
        // CloudFormation reads "false" and false alike; a --param arrives as a string.
        const spec = r?.Properties.PointInTimeRecoverySpecification as { PointInTimeRecoveryEnabled: unknown } | undefined;
        expect([table, String(spec?.PointInTimeRecoveryEnabled)]).toEqual([table, String(on)]);
      }
    }
  });

  it("keeps the router's maximum record age a quarter of the stream retention below it", () => {
    for (const [t, stage, hours] of [
      [base, 'opstest', 24],
      [alt, 'opsalt', 168],
    ] as const) {
      expect(Number(named(t).get(`devhub-${stage}-events`)?.Properties.RetentionPeriodHours)).toBe(hours);
      const [[, mapping] = ['', undefined]] = ofType(t, 'AWS::Lambda::EventSourceMapping');
      const maxAge = Number(mapping?.Properties.MaximumRecordAgeInSeconds);
      expect(maxAge).toBe(hours * 3600 * 0.75);
      expect(maxAge).toBeLessThan(hours * 3600);
    }
  });

  it('lists a maximum record age for every retention it accepts, each below its retention and within Lambda bounds', () => {
    const yaml = readFileSync(join(root, 'serverless.yml'), 'utf8');
    const table = yaml.slice(yaml.indexOf('streamRetention:'));
    const entries = [...table.matchAll(/'(\d+)': \{ maximumRecordAgeInSeconds: (\d+) \}/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(entries.map(([h]) => h)).toEqual([24, 48, 72, 96, 120, 144, 168]);
    for (const [hours, age] of entries as [number, number][]) {
      expect(age).toBe(hours * 3600 * 0.75);
      expect(age).toBeGreaterThanOrEqual(60);
      expect(age).toBeLessThanOrEqual(604800);
    }
  });
});

describe('README', () => {
  it('documents every hub metric and every operations parameter', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    for (const name of Object.keys(METRIC_CATALOGUE)) expect([name, readme.includes(`\`${name}\``)]).toEqual([name, true]);
    const yaml = readFileSync(join(root, 'serverless.yml'), 'utf8') + readFileSync(join(root, 'infra/observability.yml'), 'utf8');
    const params = new Set([...yaml.matchAll(/\$\{param:(\w+)/g)].map((m) => m[1] ?? ''));
    for (const p of params) expect([p, readme.includes(`\`${p}\``)]).toEqual([p, true]);
  });
});
