// Enhanced fan-out for consumer groups (README "Consumer groups" > "Enhanced fan-out"): one
// AWS::Kinesis::StreamConsumer on the events stream per group named in the serverless parameter
// `enhancedFanOutGroups` (a comma-separated list on the command line, or a YAML list under
// `params:`; default none), an output with each consumer's ARN, and the statement that lets the
// consumer-group managed policy (infra/consumer-policy.yml) subscribe through them.
//
// CloudFormation has no loop without the AWS::LanguageExtensions transform (which would change how
// the whole stack deploys), so the block is generated here, by Serverless' variable resolution
// (`${file(infra/enhancedFanOut.cjs):stack}` in serverless.yml, `:policyStatement` in the policy).
'use strict';

// Kinesis' rule for a consumer name; a group name is the consumer name.
const CONSUMER_NAME = /^[a-zA-Z0-9_.-]{1,128}$/;

/** The group names in the parameter's value: a list, or a comma-separated string; '' is none. */
function parseGroups(value) {
  const raw = Array.isArray(value) ? value : String(value ?? '').split(',');
  const groups = raw.map((g) => String(g).trim()).filter((g) => g !== '');
  const seen = new Set();
  for (const g of groups) {
    if (!CONSUMER_NAME.test(g)) {
      throw new Error(`enhancedFanOutGroups: "${g}" is not a valid consumer name (letters, digits, _ . -; at most 128 characters)`);
    }
    if (seen.has(g)) throw new Error(`enhancedFanOutGroups: "${g}" is listed twice`);
    seen.add(g);
  }
  return groups;
}

/** A CloudFormation logical id for a group's consumer: alphanumeric; ids that would collide are refused. */
function logicalId(group) {
  const pascal = group
    .split(/[^a-zA-Z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');
  return `EventsConsumer${pascal}`;
}

/** The stack fragment for these groups: Conditions, Resources and Outputs (empty when there are none). */
function fragment(groups) {
  const resources = {};
  const outputs = {};
  for (const group of groups) {
    const id = logicalId(group);
    if (resources[id]) throw new Error(`enhancedFanOutGroups: "${group}" and another group map to the same resource ${id}`);
    resources[id] = {
      Type: 'AWS::Kinesis::StreamConsumer',
      Properties: { ConsumerName: group, StreamARN: { 'Fn::GetAtt': ['EventsStream', 'Arn'] } },
    };
    outputs[`${id}Arn`] = {
      Description: `Enhanced fan-out consumer of group ${group} (devhub consume --group ${group} --efo <this ARN>)`,
      Value: { 'Fn::GetAtt': [id, 'ConsumerARN'] },
    };
  }
  return {
    Conditions: { EnhancedFanOut: { 'Fn::Equals': [groups.length > 0 ? 'true' : 'false', 'true'] } },
    Resources: resources,
    Outputs: outputs,
  };
}

/** The consumer-group policy's statement for the consumers; removed (AWS::NoValue) when there are none. */
function policyStatement(groups) {
  return {
    'Fn::If': [
      'EnhancedFanOut',
      {
        Effect: 'Allow',
        Action: ['kinesis:SubscribeToShard', 'kinesis:DescribeStreamConsumer'],
        Resource: groups.map((g) => ({ 'Fn::GetAtt': [logicalId(g), 'ConsumerARN'] })),
      },
      { Ref: 'AWS::NoValue' },
    ],
  };
}

async function groupsOf(resolveVariable) {
  return parseGroups(await resolveVariable('param:enhancedFanOutGroups, ""'));
}

module.exports = {
  // Serverless calls these for `${file(infra/enhancedFanOut.cjs):stack}` and `:policyStatement`.
  stack: async ({ resolveVariable }) => fragment(await groupsOf(resolveVariable)),
  policyStatement: async ({ resolveVariable }) => policyStatement(await groupsOf(resolveVariable)),
  // The pure parts, for the unit test.
  parseGroups,
  fragment,
  buildPolicyStatement: policyStatement,
};
