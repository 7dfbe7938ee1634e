import { BadRequestError } from '../errors';
import { checkEndpointResource, globMatches } from './endpointGuard';

const policy = {
  ownResources: ['devhub-prod-events', 'devhub-prod-feedback', 'devhub-prod-routing-dlq', 'devhub-prod-router-failures'],
  allowedNames: 'devhub-prod-ep-*',
};

function refusal(name: string, p = policy): string | undefined {
  try {
    checkEndpointResource(p, name);
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(BadRequestError);
    expect((err as BadRequestError).code).toBe('EndpointNotAllowed');
    return (err as Error).message;
  }
}

describe('endpoint guard', () => {
  it('refuses every one of the hub own resources, even when the naming convention is widened to *', () => {
    for (const name of policy.ownResources) {
      expect(refusal(name)).toMatch(/hub's own resources/);
      expect(refusal(name, { ...policy, allowedNames: '*' })).toMatch(/hub's own resources/);
    }
  });

  it('accepts names that follow the convention (FIFO suffix included) and refuses others with the parameter to widen it', () => {
    expect(refusal('devhub-prod-ep-alerts')).toBeUndefined();
    expect(refusal('devhub-prod-ep-orders.fifo')).toBeUndefined();
    expect(refusal('alerts')).toMatch(/naming convention "devhub-prod-ep-\*".*routingEndpointNames/);
    expect(refusal('devhub-prod-devices')).toMatch(/naming convention/);
    expect(refusal('alerts', { ...policy, allowedNames: '*' })).toBeUndefined();
  });

  it('matches globs literally apart from *', () => {
    expect(globMatches('a.b-*', 'a.b-c')).toBe(true);
    expect(globMatches('a.b-*', 'aXb-c')).toBe(false);
    expect(globMatches('*', '')).toBe(true);
    expect(globMatches('x*y', 'xy')).toBe(true);
    expect(globMatches('x*y', 'xzy1')).toBe(false);
  });
});
