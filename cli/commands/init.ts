/** devhub init: create the built-in shared access policies in a deployed hub (AWS credentials). */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { ensureBuiltInPolicies, PolicyStore } from '../../lib/adapters/aws/policyStore';
import { serviceConnectionString } from '../../lib/sas';
import { parse, str } from '../args';
import { UsageError } from '../context';

const usage = `Usage: devhub init --stage <stage> --hostname <hub host> [--service devhub] [--out <file>]

After 'serverless deploy': creates the shared access policies (iothubowner, service,
registryRead, registryReadWrite) with random keys in the stage's policies table, using your
AWS credentials and region (AWS_PROFILE / AWS_REGION). Existing policies are kept. Writes the
iothubowner connection string to --out (mode 600) or prints it.
  --hostname   the hub's host name: the HTTP API domain or your custom domain`;

export async function initCommand(argv: string[]): Promise<void> {
  const p = parse(
    argv,
    { stage: { type: 'string' }, hostname: { type: 'string' }, service: { type: 'string' }, out: { type: 'string' } },
    usage,
  );
  if (!p) return;
  const stage = str(p, 'stage');
  const hostname = str(p, 'hostname');
  if (!stage || !hostname) throw new UsageError(`--stage and --hostname are required\n\n${usage}`);
  const table = `${str(p, 'service') ?? 'devhub'}-${stage}-policies`;
  const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  try {
    const policies = await ensureBuiltInPolicies(new PolicyStore(dynamo, table), () => randomBytes(32).toString('base64'));
    const owner = policies.find((x) => x.name === 'iothubowner');
    if (!owner) throw new Error('iothubowner policy missing');
    const cs = serviceConnectionString(hostname, owner.name, owner.primaryKey);
    const out = str(p, 'out');
    if (out) {
      writeFileSync(out, `${cs}\n`, { mode: 0o600 });
      console.log(`policies ready in ${table}; iothubowner connection string written to ${out}`);
    } else {
      console.log(cs);
    }
  } finally {
    dynamo.destroy();
  }
}
