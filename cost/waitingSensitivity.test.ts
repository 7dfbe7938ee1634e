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

  it('says nothing when the device API was not measured', () => {
    expect(waitingSensitivity([], testAssumptions(), priced)).toEqual({ usdPerMonth: 0, perMillionUsd: 0, line: '' });
  });
});
