import { attemptsFor, initialHealth, newerHealth, nextHealth } from './health';

const t0 = new Date('2026-01-01T00:00:00Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);

describe('endpoint health', () => {
  const start = initialHealth('ep', t0);

  it('starts unknown and ignores rounds with nothing to deliver', () => {
    expect(start.status).toBe('unknown');
    expect(nextHealth(start, { delivered: 0, failed: 0, retried: false }, at(1), 3)).toBe(start);
  });

  it('is healthy after a clean round and degraded after one that needed retries', () => {
    const healthy = nextHealth(start, { delivered: 5, failed: 0, retried: false }, at(1), 3);
    expect(healthy).toMatchObject({
      status: 'healthy',
      consecutiveFailures: 0,
      lastSuccessTime: at(1).toISOString(),
      since: at(1).toISOString(),
    });
    const degraded = nextHealth(healthy, { delivered: 5, failed: 0, retried: true, error: 'Throttled' }, at(2), 3);
    expect(degraded).toMatchObject({ status: 'degraded', lastError: 'Throttled', since: at(2).toISOString() });
  });

  it('goes unhealthy on a failed round, dead after N in a row, and back to healthy on success', () => {
    let h = start;
    const statuses: string[] = [];
    for (let i = 1; i <= 4; i++) {
      h = nextHealth(h, { delivered: 0, failed: 2, retried: true, error: 'QueueDoesNotExist' }, at(i), 3);
      statuses.push(h.status);
    }
    expect(statuses).toEqual(['unhealthy', 'unhealthy', 'dead', 'dead']);
    expect(h).toMatchObject({
      consecutiveFailures: 4,
      lastError: 'QueueDoesNotExist',
      lastFailureTime: at(4).toISOString(),
      since: at(3).toISOString(),
    });
    h = nextHealth(h, { delivered: 1, failed: 0, retried: false }, at(5), 3);
    expect(h).toMatchObject({ status: 'healthy', consecutiveFailures: 0 });
    expect(h.lastError).toBeUndefined();
    expect(h.lastFailureTime).toBe(at(4).toISOString()); // history kept
  });

  it('counts a round with some failures as failed', () => {
    expect(nextHealth(start, { delivered: 9, failed: 1, retried: true }, at(1), 3).status).toBe('unhealthy');
  });

  it('gives a dead endpoint a single probe per batch', () => {
    expect(attemptsFor(undefined, 4)).toBe(4);
    expect(attemptsFor({ ...start, status: 'unhealthy' }, 4)).toBe(4);
    expect(attemptsFor({ ...start, status: 'dead' }, 4)).toBe(1);
  });

  it('prefers the newer of two records', () => {
    const a = { ...start, updatedTime: at(1).toISOString() };
    const b = { ...start, updatedTime: at(2).toISOString() };
    expect(newerHealth(a, b)).toBe(b);
    expect(newerHealth(undefined, a)).toBe(a);
  });
});
