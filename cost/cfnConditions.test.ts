import { conditionHolds, isCreated } from './cfnConditions';

const conditions = {
  UrlOn: { 'Fn::Equals': ['url-true', 'url-true'] },
  TopicGiven: { 'Fn::Not': [{ 'Fn::Equals': ['', ''] }] },
  Both: { 'Fn::And': [{ Condition: 'UrlOn' }, { Condition: 'TopicGiven' }] },
  Either: { 'Fn::Or': [{ Condition: 'UrlOn' }, { Condition: 'TopicGiven' }] },
  Param: { 'Fn::Equals': [{ Ref: 'SomeParameter' }, 'x'] },
};

describe('CloudFormation conditions', () => {
  it('evaluates Equals, Not, And, Or and named conditions on literal values', () => {
    expect(conditionHolds(conditions, { Condition: 'UrlOn' })).toBe(true);
    expect(conditionHolds(conditions, { Condition: 'TopicGiven' })).toBe(false);
    expect(conditionHolds(conditions, { Condition: 'Both' })).toBe(false);
    expect(conditionHolds(conditions, { Condition: 'Either' })).toBe(true);
    expect(conditionHolds(conditions, { 'Fn::Equals': [true, 'true'] })).toBe(true);
  });

  it('creates a resource without a condition, or whose condition holds', () => {
    expect(isCreated(conditions, {})).toBe(true);
    expect(isCreated(conditions, { Condition: 'UrlOn' })).toBe(true);
    expect(isCreated(conditions, { Condition: 'TopicGiven' })).toBe(false);
  });

  it('refuses what it cannot decide instead of guessing', () => {
    expect(() => conditionHolds(conditions, { Condition: 'Missing' })).toThrow(/not defined/);
    expect(() => conditionHolds(conditions, { Condition: 'Param' })).toThrow(/deploy time/);
    expect(() => conditionHolds(conditions, { 'Fn::If': ['UrlOn', true, false] })).toThrow(/not supported/);
  });
});
