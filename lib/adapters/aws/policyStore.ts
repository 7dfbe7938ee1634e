/** Shared access policies in DynamoDB (one item per policy, key `name`). */
import { GetCommand, PutCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BUILT_IN_POLICIES, type Policy } from '../../policies';

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
}

/** Creates the built-in policies with fresh random keys where they do not exist yet. */
export async function ensureBuiltInPolicies(store: PolicyStore, generateKey: () => string): Promise<Policy[]> {
  const out: Policy[] = [];
  for (const [name, permissions] of Object.entries(BUILT_IN_POLICIES)) {
    out.push(await store.ensure({ name, permissions: [...permissions], primaryKey: generateKey(), secondaryKey: generateKey() }));
  }
  return out;
}
