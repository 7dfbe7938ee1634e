/** Shared access policies in DynamoDB (one item per policy, key `name`). */
import { GetCommand, PutCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BUILT_IN_POLICIES, type Permission, type Policy } from '../../policies';

export class PolicyStore {
  constructor(
    private readonly dynamo: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(name: string): Promise<Policy | undefined> {
    const out = await this.dynamo.send(new GetCommand({ TableName: this.table, Key: { name } }));
    return out.Item as Policy | undefined;
  }

  async list(): Promise<Policy[]> {
    const out = await this.dynamo.send(new ScanCommand({ TableName: this.table }));
    return (out.Items ?? []) as Policy[];
  }

  /** Creates the policy unless it exists; returns the stored one either way. */
  async ensure(policy: Policy): Promise<Policy> {
    try {
      await this.dynamo.send(
        new PutCommand({
          TableName: this.table,
          Item: policy,
          ConditionExpression: 'attribute_not_exists(#n)',
          ExpressionAttributeNames: { '#n': 'name' },
        }),
      );
      return policy;
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      const stored = await this.get(policy.name);
      if (!stored) throw new Error(`policy ${policy.name} vanished while being created`);
      return stored;
    }
  }

  /**
   * Adds the rights a stored policy lacks (a built-in policy of an older data dir or deployment,
   * from before a right was added to it); keys and rights it has stay. Returns the policy as stored.
   */
  async grant(name: string, rights: readonly Permission[]): Promise<Policy> {
    const stored = await this.get(name);
    if (!stored) throw new Error(`policy ${name} does not exist`);
    const missing = rights.filter((r) => !stored.permissions.includes(r));
    if (missing.length === 0) return stored;
    const permissions = [...stored.permissions, ...missing];
    await this.dynamo.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { name },
        UpdateExpression: 'SET #p = :p',
        ExpressionAttributeNames: { '#p': 'permissions' },
        ExpressionAttributeValues: { ':p': permissions },
      }),
    );
    return { ...stored, permissions };
  }
}

/**
 * The DynamoDB operations ensureBuiltInPolicies performs on the policies table: `devhub init` runs
 * it with the operator's credentials (outside the stack's IAM), so the table's SystemErrors alarm
 * (infra/observability.yml) watches these besides what the functions' roles are granted.
 * test/policyUpgrade.test.ts records the operations it really sends.
 */
export const POLICY_SETUP_OPERATIONS = ['PutItem', 'GetItem', 'UpdateItem'] as const;

/**
 * Creates the built-in policies with fresh random keys where they do not exist yet, and brings
 * existing ones up to date: a right added to a built-in policy since (DeviceConnect on
 * iothubowner, session 18) is granted to the stored one, keeping its keys.
 */
export async function ensureBuiltInPolicies(store: PolicyStore, generateKey: () => string): Promise<Policy[]> {
  const out: Policy[] = [];
  for (const [name, permissions] of Object.entries(BUILT_IN_POLICIES)) {
    const stored = await store.ensure({ name, permissions: [...permissions], primaryKey: generateKey(), secondaryKey: generateKey() });
    out.push(permissions.every((p) => stored.permissions.includes(p)) ? stored : await store.grant(name, permissions));
  }
  return out;
}
