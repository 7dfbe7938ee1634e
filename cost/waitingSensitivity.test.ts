import { estimate } from './estimate';
import { testAssumptions, testPrices, testSettings, testTraffic } from './testkit';
import { WAIT_STEP_MS, waitingSensitivity } from './waitingSensitivity';

describe('the price of waiting the emulators cannot show', () => {
  const traffic = testTraffic();
  const settings = testSettings();
  const priced = (a: ReturnType<typeof testAssumptions>) => estimate(traffic, settings, a, testPrices());

  it('is the device API invocations times 10 ms at its memory size, priced per GB-second', () => {
    const assumptions = testAssumptions();
    const memoryMb = settings.functions.deviceApi.memoryMb;
    const applied = [{ role: 'deviceApi' as const, memoryMb, invocationMs: assumptions.functions.deviceApi.invocationMs, perItemMs: 0 }];
    const s = waitingSensitivity(applied, assumptions, priced);
    const invocations = priced(assumptions).usage.functions.deviceApi.invocations;
    const gbSecondUsd = testPrices().lambda.gbSecond[settings.functions.deviceApi.architecture][0]?.price ?? NaN;
    expect(s.usdPerMonth).toBeCloseTo(invocations * (WAIT_STEP_MS / 1000) * (memoryMb / 1024) * gbSecondUsd, 6);
    expect(s.usdPerMonth).toBeGreaterThan(0);
    expect(s.line).toContain(`${s.usdPerMonth.toFixed(2)} USD/month`);
    expect(s.line).toContain(`at ${memoryMb} MB`);
  });

  it('adds the 10 ms to every kind of device API call: sends, C2D receives, completes and empty polls', () => {
    const assumptions = testAssumptions();
    assumptions.deviceApiC2d = { receiveMs: 40, completeMs: 70, emptyPollMs: 3 };
    assumptions.c2d.emptyPollsPerDevicePerDay = 48;
    const withC2d = (a: ReturnType<typeof testAssumptions>) => estimate(testTraffic({ c2dPerDevicePerDay: 1 }), settings, a, testPrices());
    const memoryMb = settings.functions.deviceApi.memoryMb;
    const applied = [{ role: 'deviceApi' as const, memoryMb, invocationMs: 10, perItemMs: 0 }];
    const s = waitingSensitivity(applied, assumptions, withC2d);
    // 30 M sends + 300,000 receives + 300,000 completes + 14.4 M empty polls
    const invocations = withC2d(assumptions).usage.functions.deviceApi.invocations;
    expect(invocations).toBe(45_000_000);
    const gbSecondUsd = testPrices().lambda.gbSecond[settings.functions.deviceApi.architecture][0]?.price ?? NaN;
    expect(s.usdPerMonth).toBeCloseTo(invocations * (WAIT_STEP_MS / 1000) * (memoryMb / 1024) * gbSecondUsd, 6);
  });

  it('says nothing when the device API was not measured', () => {
    expect(waitingSensitivity([], testAssumptions(), priced)).toEqual({ usdPerMonth: 0, perMillionUsd: 0, line: '' });
  });
});
