/**
 * `--param enhancedFanOutGroups`: the packaged stack has one registered stream consumer per listed
 * group on the events stream, an output with each consumer's ARN, and the consumer-group managed
 * policy may subscribe through exactly those consumers. No groups (the default) is covered by
 * test/package.test.ts; the parsing rules by infra/enhancedFanOut.test.ts.
 */
import { packageStack, withConditions, type Template } from './support/template';

const stage = 'efotest';
const consumers = (t: Template) =>
  Object.entries(t.Resources)
    .filter(([, r]) => r.Type === 'AWS::Kinesis::StreamConsumer')
    .map(([id, r]) => [id, r.Properties]);

function consumerPolicyStatements(t: Template): { Action: string[]; Resource: unknown[] }[] {
  const policy = t.Resources.ConsumerGroupPolicy;
  if (!policy) throw new Error('no ConsumerGroupPolicy');
  return (withConditions(t, policy.Properties?.PolicyDocument) as { Statement: { Action: string[]; Resource: unknown[] }[] }).Statement;
}

const stream = { 'Fn::GetAtt': ['EventsStream', 'Arn'] };

describe('enhanced fan-out consumers in the packaged stack', () => {
  it('one group: a consumer named after it, its ARN as an output, and the policy may subscribe through it', async () => {
    const t = await packageStack(stage, { enhancedFanOutGroups: 'billing' });
    expect(consumers(t)).toEqual([['EventsConsumerBilling', { ConsumerName: 'billing', StreamARN: stream }]]);
    expect(t.Outputs?.EventsConsumerBillingArn?.Value).toEqual({ 'Fn::GetAtt': ['EventsConsumerBilling', 'ConsumerARN'] });
    const statements = consumerPolicyStatements(t);
    expect(statements).toHaveLength(3);
    expect(statements[2]).toEqual({
      Effect: 'Allow',
      Action: ['kinesis:SubscribeToShard', 'kinesis:DescribeStreamConsumer'],
      Resource: [{ 'Fn::GetAtt': ['EventsConsumerBilling', 'ConsumerARN'] }],
    });
    // The group still reads the shard list and keeps its leases with the other statements.
    expect(statements[0]?.Action).toContain('kinesis:ListShards');
  }, 300_000);

  it('two groups (one with a dash): two consumers, two outputs, both in the one statement', async () => {
    const t = await packageStack(stage, { enhancedFanOutGroups: 'billing, audit-log' });
    expect(consumers(t)).toEqual([
      ['EventsConsumerBilling', { ConsumerName: 'billing', StreamARN: stream }],
      ['EventsConsumerAuditLog', { ConsumerName: 'audit-log', StreamARN: stream }],
    ]);
    expect(Object.keys(t.Outputs ?? {}).filter((k) => k.startsWith('EventsConsumer'))).toEqual([
      'EventsConsumerBillingArn',
      'EventsConsumerAuditLogArn',
    ]);
    expect(consumerPolicyStatements(t)[2]?.Resource).toEqual([
      { 'Fn::GetAtt': ['EventsConsumerBilling', 'ConsumerARN'] },
      { 'Fn::GetAtt': ['EventsConsumerAuditLog', 'ConsumerARN'] },
    ]);
  }, 300_000);

  it('refuses a group name Kinesis would refuse, naming it', async () => {
    await expect(packageStack(stage, { enhancedFanOutGroups: 'billing,bad name' })).rejects.toThrow(
      /enhancedFanOutGroups: "bad name" is not a valid consumer name/,
    );
  }, 300_000);
});
