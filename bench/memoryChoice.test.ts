import { chooseMemory, coldStartMsAt, medianRun } from './functionSizes';

const run = (initCpuMs: number, firstCpuMs = 50, firstWallMs = 60) => ({
  init: { cpuMs: initCpuMs, wallMs: initCpuMs },
  first: { cpuMs: firstCpuMs, wallMs: firstWallMs, logBytes: 0, emfBytes: 0 },
});

describe('choosing a memory size (bench scenario 10)', () => {
  it('prices a cold start from the slower init of the two fresh processes, stretched by 1769/memory', () => {
    // (max(150, 190) + 50) ms CPU × 1769/128 + 10 ms waiting
    expect(coldStartMsAt(128, run(150), run(190))).toBeCloseTo((240 * 1769) / 128 + 10, 6);
    expect(coldStartMsAt(128, run(190), run(150))).toBeCloseTo((240 * 1769) / 128 + 10, 6);
    expect(coldStartMsAt(256, run(190), run(150))).toBeCloseTo((240 * 1769) / 256 + 10, 6);
  });

  it('takes the smallest size within every bound, and says which bound ruled a smaller one out', () => {
    const bySize = [128, 256, 512].map((memoryMb) => ({
      memoryMb,
      invocationMs: 1,
      p99Ms: 10,
      perItemMs: 0,
      coldStartMs: coldStartMsAt(memoryMb, run(150), run(190)),
      gbSecondsPerMillion: 0,
    }));
    // 128 MB: cold start 3,327 ms > 3,000 ms; 256 MB: 1,669 ms.
    expect(chooseMemory(bySize, 70, { p99Ms: 250, coldStartMs: 3000 }).memoryMb).toBe(256);
    // The same sizes with a faster slow process fit 128 MB (120 + 50 = 170 ms → 2,359 ms).
    const fast = bySize.map((s) => ({ ...s, coldStartMs: coldStartMsAt(s.memoryMb, run(100), run(120)) }));
    expect(chooseMemory(fast, 70, { p99Ms: 250, coldStartMs: 3000 }).memoryMb).toBe(128);
    // Resident memory over 60% of 128 MB rules it out whatever the timings.
    expect(chooseMemory(fast, 77, { p99Ms: 250, coldStartMs: 3000 }).memoryMb).toBe(256);
    expect(chooseMemory(fast, 70, { p99Ms: 5, coldStartMs: 3000 }).why).toMatch(/no measured size met the bounds/);
  });
});

describe('the median run of scenario 10', () => {
  const run = (deviceCpuMs: number, label: string) => ({
    label,
    functions: [
      { role: 'router', invocation: { cpuMsMedian: 0.04 } },
      { role: 'deviceApi', invocation: { cpuMsMedian: deviceCpuMs } },
    ],
  });

  it('keeps the whole run whose device API send CPU is the median', () => {
    const picked = medianRun([run(1.79, 'a'), run(1.35, 'b'), run(1.6, 'c')]);
    expect(picked.run.label).toBe('c');
    expect(picked.index).toBe(2);
    expect(picked.deviceCpuMs).toEqual([1.79, 1.35, 1.6]);
    // An even count takes the lower median; one run is its own median.
    expect(medianRun([run(2, 'a'), run(1, 'b'), run(4, 'c'), run(3, 'd')]).run.label).toBe('a'); // 1, 2, 3, 4: the lower median is 2
    expect(medianRun([run(1.5, 'only')]).run.label).toBe('only');
  });

  it('refuses runs without a device API measurement', () => {
    expect(() => medianRun([])).toThrow(/every run/);
    expect(() => medianRun([{ functions: [{ role: 'router', invocation: { cpuMsMedian: 1 } }] }])).toThrow(/every run/);
  });
});
