/** The enhanced fan-out stack fragment's pure rules (the packaged result: test/enhancedFanOut.package.test.ts). */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS file Serverless loads itself
const efo = require('./enhancedFanOut.cjs') as {
  parseGroups(v: unknown): string[];
  fragment(groups: string[]): { Conditions: Record<string, unknown>; Resources: Record<string, unknown>; Outputs: Record<string, unknown> };
  buildPolicyStatement(groups: string[]): unknown;
};

describe('enhancedFanOutGroups', () => {
  it('reads a comma-separated string or a YAML list; empty is none', () => {
    expect(efo.parseGroups('')).toEqual([]);
    expect(efo.parseGroups(undefined)).toEqual([]);
    expect(efo.parseGroups(' billing , audit-log,')).toEqual(['billing', 'audit-log']);
    expect(efo.parseGroups(['billing', 'a.b_c'])).toEqual(['billing', 'a.b_c']);
  });

  it('refuses names Kinesis refuses, duplicates, and names that would share a resource', () => {
    expect(() => efo.parseGroups('ok,no/slash')).toThrow('enhancedFanOutGroups: "no/slash" is not a valid consumer name');
    expect(() => efo.parseGroups('x'.repeat(129))).toThrow(/not a valid consumer name/);
    expect(() => efo.parseGroups('a,a')).toThrow('enhancedFanOutGroups: "a" is listed twice');
    expect(() => efo.fragment(['audit-log', 'audit.log'])).toThrow(
      /"audit.log" and another group map to the same resource EventsConsumerAuditLog/,
    );
  });

  it('no groups: no resources, no outputs, the condition false and the statement removed', () => {
    const f = efo.fragment([]);
    expect(f).toEqual({ Conditions: { EnhancedFanOut: { 'Fn::Equals': ['false', 'true'] } }, Resources: {}, Outputs: {} });
    expect(efo.buildPolicyStatement([])).toMatchObject({ 'Fn::If': ['EnhancedFanOut', expect.anything(), { Ref: 'AWS::NoValue' }] });
  });
});
