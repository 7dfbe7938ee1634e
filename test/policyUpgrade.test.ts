/**
 * An older data dir (or deployment) holds iothubowner without DeviceConnect, which was added to
 * the built-in policy later: starting the hub grants the missing right and keeps the keys, so the
 * connection string users already have keeps working and gains what the README promises.
 */
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { randomBytes } from 'node:crypto';
import { ensureBuiltInPolicies, POLICY_SETUP_OPERATIONS, PolicyStore } from '../lib/adapters/aws/policyStore';
import { BUILT_IN_POLICIES } from '../lib/policies';
import { TEST_PORTS } from './support/config';
import { createActiveTable } from './support/emulatorResources';

const raw = new DynamoDBClient({
  endpoint: `http://127.0.0.1:${TEST_PORTS.dynamoPort}`,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  requestHandler: new NodeHttpHandler(),
});
const dynamo = DynamoDBDocumentClient.from(raw);
const table = `policy-upgrade-${randomBytes(4).toString('hex')}`;

/** The DynamoDB operations sent on `table` (the low-level command names, as CloudWatch's Operation dimension names them). */
const operations = new Set<string>();
raw.middlewareStack.add(
  (next, context) => (args) => {
    const input = args.input as { TableName?: string };
    if (input.TableName === table) operations.add(String(context.commandName).replace(/Command$/, ''));
    return next(args);
  },
  { step: 'initialize', name: 'recordOperations' },
);

beforeAll(async () => {
  await createActiveTable(raw, {
    TableName: table,
    KeySchema: [{ AttributeName: 'name', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'name', AttributeType: 'S' }],
    BillingMode: 'PAY_PER_REQUEST',
  });
});
afterAll(async () => {
  await raw.send(new DeleteTableCommand({ TableName: table }));
  raw.destroy();
});

it('grants a stored built-in policy the rights it lacks and keeps its keys', async () => {
  const old = {
    name: 'iothubowner',
    permissions: ['RegistryRead', 'RegistryWrite', 'ServiceConnect'],
    primaryKey: 'b2xkLXA=',
    secondaryKey: 'b2xkLXM=',
  };
  await dynamo.send(new PutCommand({ TableName: table, Item: old }));
  operations.clear();
  const store = new PolicyStore(dynamo, table);
  const policies = await ensureBuiltInPolicies(store, () => randomBytes(32).toString('base64'));
  const owner = await store.get('iothubowner');
  expect(owner).toEqual({ ...old, permissions: [...old.permissions, 'DeviceConnect'] });
  expect(policies.find((p) => p.name === 'iothubowner')).toEqual(owner);
  // Every built-in policy exists with its rights; a second start changes nothing.
  for (const [name, rights] of Object.entries(BUILT_IN_POLICIES))
    expect((await store.get(name))?.permissions.sort()).toEqual([...rights].sort());
  await ensureBuiltInPolicies(store, () => 'bmV3');
  expect(await store.get('iothubowner')).toEqual(owner);
  // Creating some, upgrading one, then finding all present: every operation devhub init can send,
  // which the policies table's SystemErrors alarm watches (test/operations.test.ts).
  expect([...operations].sort()).toEqual([...POLICY_SETUP_OPERATIONS].sort());
});
