import { applyMeasured, cpuShare, deviceApiCallsLine, durationAt, parseMeasured, type Measured } from './measured';
import { testAssumptions, testPrices, testSettings, testTraffic } from './testkit';
import { computeUsage } from './usage';

const measured: Measured = {
  date: '2026-12-01T13:00:00.000Z',
  machine: { cores: 2, cpu: 'test', memoryGb: 8, node: 'v20' },
  method: 'test',
  functions: {
    deviceApi: {
      cpuMsPerInvocation: 3.538,
      waitMsPerInvocation: 10,
      cpuMsPerItem: 0.1769,
      logBytesPerInvocation: 0,
      emfBytesPerFlush: 350,
      emfValueBytesPerInvocation: 2,
      emfInvocationsPerLine: 99,
      initCpuMs: 200,
      initWallMs: 300,
      rssMb: 90,
      chosenMemoryMb: 256,
      why: 'test',
    },
  },
};

describe('measured assumptions', () => {
  it('stretches CPU time by 1769 / memory below one vCPU, never waiting time', () => {
    expect(cpuShare(1769)).toBe(1);
    expect(cpuShare(3538)).toBe(1);
    expect(durationAt(1769, 10, 5)).toBe(15);
    expect(durationAt(1769 / 4, 10, 5)).toBeCloseTo(45, 9);
  });

  it('prices each measured function at the memory serverless.yml gives it', () => {
    const settings = testSettings();
    settings.functions.deviceApi.memoryMb = 1769 / 2; // half a vCPU
    const { assumptions, applied } = applyMeasured(testAssumptions(), measured, settings);
    // per item 0.1769 × 2 = 0.3538 ms; one invocation 3.538 × 2 + 10 = 17.076 ms, of which one item
    expect(assumptions.functions.deviceApi.perItemMs).toBeCloseTo(0.3538, 9);
    expect(assumptions.functions.deviceApi.invocationMs + assumptions.functions.deviceApi.perItemMs).toBeCloseTo(17.076, 9);
    expect(assumptions.functions.deviceApi).toMatchObject({
      emfBytesPerFlush: 350,
      emfValueBytesPerInvocation: 2,
      emfInvocationsPerLine: 99,
    });
    expect(applied.map((a) => a.role)).toEqual(['deviceApi']);
    // Functions the bench did not measure keep their assumptions.
    expect(assumptions.functions.router).toEqual(testAssumptions().functions.router);
    // At a quarter of the memory the CPU part doubles again.
    settings.functions.deviceApi.memoryMb = 1769 / 4;
    const quarter = applyMeasured(testAssumptions(), measured, settings).assumptions.functions.deviceApi;
    expect(quarter.invocationMs + quarter.perItemMs).toBeCloseTo(3.538 * 4 + 10, 9);
  });

  it('bills sends, C2D receives, completes and empty polls each at its own measured duration', () => {
    const settings = testSettings();
    settings.functions.deviceApi.memoryMb = 1769 / 2; // half a vCPU: CPU time doubles, waiting does not
    const file: Measured = {
      ...measured,
      functions: { deviceApi: { ...measured.functions.deviceApi!, cpuMsPerInvocation: 2, waitMsPerInvocation: 1, cpuMsPerItem: 0 } },
      deviceApiC2dReceive: { cpuMsPerInvocation: 4, waitMsPerInvocation: 3, emfBytesPerInvocation: 0 },
      deviceApiC2dComplete: { cpuMsPerInvocation: 5, waitMsPerInvocation: 6, emfBytesPerInvocation: 0 },
      deviceApiEmptyPoll: { cpuMsPerInvocation: 1, waitMsPerInvocation: 1, emfBytesPerInvocation: 0 },
    };
    const { assumptions, calls } = applyMeasured(testAssumptions(), parseMeasured(file, 'm.json'), settings);
    // send 2 × 2 + 1 = 5 ms; receive 4 × 2 + 3 = 11 ms; complete 5 × 2 + 6 = 16 ms; empty poll 1 × 2 + 1 = 3 ms
    expect(assumptions.functions.deviceApi.invocationMs).toBeCloseTo(5, 9);
    expect(assumptions.deviceApiC2d.receiveMs).toBeCloseTo(11, 9);
    expect(assumptions.deviceApiC2d.completeMs).toBeCloseTo(16, 9);
    expect(assumptions.deviceApiC2d.emptyPollMs).toBeCloseTo(3, 9);
    expect(calls.map((c) => [c.key, c.measured])).toEqual([
      ['deviceApiC2dReceive', true],
      ['deviceApiC2dComplete', true],
      ['deviceApiEmptyPoll', true],
    ]);
    // 30 M sends, 300,000 receives and completes (10,000 devices × 1 command/day × 30),
    // 14.4 M empty polls (10,000 × 48/day × 30):
    // 30 M × 5 + 0.3 M × 11 + 0.3 M × 16 + 14.4 M × 3 = 201.3 M ms = 201,300 s at 884.5 MB
    assumptions.c2d.emptyPollsPerDevicePerDay = 48;
    const u = computeUsage(testTraffic({ c2dPerDevicePerDay: 1 }), settings, assumptions, testPrices());
    expect(u.functions.deviceApi.invocations).toBe(30_000_000 + 300_000 + 300_000 + 14_400_000);
    expect(u.functions.deviceApi.gbSeconds).toBeCloseTo(201_300 * (1769 / 2 / 1024), 3);
  });

  it("bills the commands API's C2D sends and the sweeper's scheduled runs from the file when it has them", () => {
    const settings = testSettings();
    settings.functions.serviceApi.memoryMb = 1769 / 2; // the commandsApi function: half a vCPU
    settings.functions.sweeper.memoryMb = 1769 / 4; // the c2dSweeper: a quarter
    const oneItem = { cpuMsPerItem: 0, logBytesPerInvocation: 0, emfValueBytesPerInvocation: 0, emfInvocationsPerLine: null };
    const file: Measured = {
      ...measured,
      functions: {
        ...measured.functions,
        serviceApi: {
          ...measured.functions.deviceApi!,
          ...oneItem,
          cpuMsPerInvocation: 4,
          waitMsPerInvocation: 3,
          emfBytesPerFlush: 191,
        },
        sweeper: {
          ...measured.functions.deviceApi!,
          ...oneItem,
          cpuMsPerInvocation: 10,
          waitMsPerInvocation: 20,
          logBytesPerInvocation: 0,
          emfBytesPerFlush: 0,
        },
      },
    };
    const { assumptions, applied } = applyMeasured(testAssumptions(), parseMeasured(file, 'm.json'), settings);
    // send 4 × 2 + 3 = 11 ms; sweep 10 × 4 + 20 = 60 ms
    expect(assumptions.functions.serviceApi).toMatchObject({
      invocationMs: 11,
      perItemMs: 0,
      emfBytesPerFlush: 191,
      emfInvocationsPerLine: null,
    });
    expect(assumptions.functions.sweeper).toMatchObject({ invocationMs: 60, perItemMs: 0, emfBytesPerFlush: 0 });
    expect(applied.map((a) => a.role)).toEqual(['deviceApi', 'serviceApi', 'sweeper']);
    // 300,000 C2D sends a month (10,000 devices × 1 command a day × 30 days) × 11 ms at 884.5 MB;
    // 43,200 sweeps (1,440 a day from the schedule × 30) × 60 ms at 442.25 MB
    const u = computeUsage(testTraffic({ c2dPerDevicePerDay: 1 }), settings, assumptions, testPrices());
    expect(u.functions.serviceApi.invocations).toBe(300_000);
    expect(u.functions.serviceApi.gbSeconds).toBeCloseTo(300_000 * 0.011 * (1769 / 2 / 1024), 6);
    expect(u.functions.sweeper.invocations).toBe(43_200);
    expect(u.functions.sweeper.gbSeconds).toBeCloseTo(43_200 * 0.06 * (1769 / 4 / 1024), 6);
    // Without them in the file, both keep cost/assumptions.json's guesses.
    const assumed = applyMeasured(testAssumptions(), measured, settings).assumptions.functions;
    expect(assumed.serviceApi).toEqual(testAssumptions().functions.serviceApi);
    expect(assumed.sweeper).toEqual(testAssumptions().functions.sweeper);
    // An entry is checked as strictly as the device API's.
    const broken = structuredClone(file) as unknown as { functions: { sweeper: Record<string, unknown> } };
    delete broken.functions.sweeper.waitMsPerInvocation;
    expect(() => parseMeasured(broken, 'x.json')).toThrow(/functions.sweeper.waitMsPerInvocation/);
  });

  it('leaves a call the file does not have to cost/assumptions.json', () => {
    const onlyPoll: Measured = {
      ...measured,
      deviceApiEmptyPoll: { cpuMsPerInvocation: 1, waitMsPerInvocation: 0.5, emfBytesPerInvocation: 0 },
    };
    const settings = testSettings(); // 512 MB: CPU × 1769 / 512
    const defaults = testAssumptions();
    defaults.deviceApiC2d = { receiveMs: 21, completeMs: 26, emptyPollMs: 9 };
    const { assumptions, calls } = applyMeasured(defaults, onlyPoll, settings);
    expect(assumptions.deviceApiC2d).toMatchObject({ receiveMs: 21, completeMs: 26 });
    expect(assumptions.deviceApiC2d.emptyPollMs).toBeCloseTo((1 * 1769) / 512 + 0.5, 9);
    expect(calls.filter((c) => c.measured).map((c) => c.key)).toEqual(['deviceApiEmptyPoll']);
    expect(calls.find((c) => c.key === 'deviceApiC2dComplete')).toMatchObject({ invocationMs: 26, measured: false, memoryMb: 512 });
  });

  it('says where each device API call duration comes from: measured, assumed, or overridden after the measurement', () => {
    const file: Measured = {
      ...measured,
      deviceApiC2dReceive: { cpuMsPerInvocation: 0, waitMsPerInvocation: 12, emfBytesPerInvocation: 0 },
    };
    const defaults = testAssumptions();
    defaults.deviceApiC2d = { receiveMs: 21, completeMs: 26, emptyPollMs: 9 };
    const { assumptions, calls } = applyMeasured(defaults, file, testSettings());
    expect(deviceApiCallsLine(calls, assumptions)).toBe(
      'deviceApi per call at 512 MB: C2D receive 12 ms (measured); C2D complete 26 ms, empty poll 9 ms (cost/assumptions.json deviceApiC2d).',
    );
    const overridden = structuredClone(assumptions);
    overridden.deviceApiC2d.receiveMs = 30;
    expect(deviceApiCallsLine(calls, overridden)).toBe(
      'deviceApi per call at 512 MB: C2D complete 26 ms, empty poll 9 ms (cost/assumptions.json deviceApiC2d); C2D receive 30 ms (--assumptions/--set).',
    );
  });

  it('rejects a device API call entry with a missing or negative number', () => {
    expect(() =>
      parseMeasured({ ...measured, deviceApiC2dReceive: { cpuMsPerInvocation: 1, emfBytesPerInvocation: 0 } }, 'x.json'),
    ).toThrow(/deviceApiC2dReceive.waitMsPerInvocation/);
    expect(() =>
      parseMeasured(
        { ...measured, deviceApiC2dComplete: { cpuMsPerInvocation: -1, waitMsPerInvocation: 1, emfBytesPerInvocation: 0 } },
        'x.json',
      ),
    ).toThrow(/deviceApiC2dComplete.cpuMsPerInvocation/);
    expect(() => parseMeasured({ ...measured, deviceApiEmptyPoll: 'fast' }, 'x.json')).toThrow(/deviceApiEmptyPoll/);
  });

  it('reads the committed cost/measured.json', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the file npm run cost reads by default
    expect(() => parseMeasured(require('./measured.json'), 'cost/measured.json')).not.toThrow();
  });

  it('rejects a file without date, machine or method, or with a missing number', () => {
    expect(() => parseMeasured({ functions: {} }, 'x.json')).toThrow(/date, machine, method/);
    const broken = structuredClone(measured) as unknown as { functions: { deviceApi: Record<string, unknown> } };
    delete broken.functions.deviceApi.cpuMsPerItem;
    expect(() => parseMeasured(broken, 'x.json')).toThrow(/functions.deviceApi.cpuMsPerItem/);
    expect(() => parseMeasured({ ...measured, functions: { lambda: {} } }, 'x.json')).toThrow(/unknown function role/);
    const noLine = structuredClone(measured) as unknown as { functions: { deviceApi: Record<string, unknown> } };
    delete noLine.functions.deviceApi.emfInvocationsPerLine;
    expect(() => parseMeasured(noLine, 'x.json')).toThrow(/emfInvocationsPerLine/);
    noLine.functions.deviceApi.emfInvocationsPerLine = null;
    expect(() => parseMeasured(noLine, 'x.json')).not.toThrow();
  });
});
