import { openLoop, percentile, ramp, summarize, sustained } from './load';

describe('load generator statistics', () => {
  it('computes nearest-rank percentiles', () => {
    const data = Array.from({ length: 1000 }, (_, i) => i + 1);
    expect(percentile(data, 50)).toBe(500);
    expect(percentile(data, 99)).toBe(990);
    expect(percentile(data, 99.9)).toBe(999);
    expect(percentile([], 50)).toBeNaN();
  });
  it('summarizes a run', () => {
    const s = summarize(10, [1, 2, 3, 4], 1, 0, 5, 2);
    expect(s).toMatchObject({ completed: 4, errors: 1, achievedPerSecond: 2, p50: 2, max: 4 });
    expect(sustained(s, 100)).toBe(false);
  });
  it('offers the scheduled number of requests regardless of how slow they are', async () => {
    let calls = 0;
    const s = await openLoop(200, 0.25, async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 30));
    });
    expect(calls).toBe(50);
    expect(s.p50).toBeGreaterThanOrEqual(29);
  });
  it('stops ramping when a step fails twice', async () => {
    const r = await ramp(
      [50, 100, 200],
      0.1,
      async (i) => {
        if (i % 2 === 0) throw new Error('x');
      },
      { warmupSeconds: 0 },
    );
    expect(r.steps).toHaveLength(2);
    expect(r.steps[1]?.retry).toBe(true);
    expect(r.maxSustained).toBe(0);
  });
  it('repeats a failed step once and goes on when the repeat is sustained', async () => {
    let calls = 0;
    // The first step's 5 requests fail (a cold start); everything after succeeds.
    const r = await ramp(
      [50, 100],
      0.1,
      async () => {
        if (calls++ < 5) throw new Error('cold');
      },
      { warmupSeconds: 0 },
    );
    expect(r.steps.map((s) => [s.rate, s.retry ?? false])).toEqual([
      [50, false],
      [50, true],
      [100, false],
    ]);
    expect(r.maxSustained).toBe(100);
  });
  it('warms the scenario up before measuring', async () => {
    let calls = 0;
    const r = await ramp(
      [50],
      0.1,
      async () => {
        if (calls++ < 5) throw new Error('cold');
      },
      { warmupSeconds: 0.1 },
    );
    expect(r.warmup?.errors).toBe(5);
    expect(r.steps).toHaveLength(1);
    expect(r.maxSustained).toBe(50);
  });
});
