import { decideRestart, DEFAULT_RESTART_POLICY, type RestartPolicy } from './supervisor';

const policy: RestartPolicy = { baseDelayMs: 500, maxDelayMs: 4000, fastCrashMs: 30_000, maxFastCrashes: 5 };

describe('decideRestart', () => {
  it('backs off exponentially on consecutive fast crashes, up to the cap', () => {
    let fast = 0;
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const d = decideRestart(policy, 1000, fast);
      if (d.giveUp) throw new Error('gave up too early');
      delays.push(d.delayMs);
      fast = d.fastCrashes;
    }
    expect(delays).toEqual([500, 1000, 2000, 4000]);
  });

  it('gives up on the fifth fast crash in a row', () => {
    expect(decideRestart(policy, 1000, 4)).toEqual({ giveUp: true, fastCrashes: 5 });
  });

  it('a crash after a long run starts the count again', () => {
    expect(decideRestart(policy, 60_000, 4)).toEqual({ giveUp: false, delayMs: 500, fastCrashes: 0 });
    expect(decideRestart(policy, 29_999, 0)).toEqual({ giveUp: false, delayMs: 500, fastCrashes: 1 });
  });

  it('the default policy never waits longer than its cap', () => {
    const d = decideRestart(DEFAULT_RESTART_POLICY, 0, DEFAULT_RESTART_POLICY.maxFastCrashes - 2);
    expect(d.giveUp).toBe(false);
    if (!d.giveUp) expect(d.delayMs).toBeLessThanOrEqual(DEFAULT_RESTART_POLICY.maxDelayMs);
  });
});
