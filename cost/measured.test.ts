import { applyMeasured, cpuShare, durationAt, parseMeasured, type Measured } from './measured';
import { testAssumptions, testSettings } from './testkit';

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
