import { emfMeasurement } from './functionSizes';
import type { InvocationSample } from './functionWorker';

const sample = (emfBytes: number): InvocationSample => ({ cpuMs: 1, wallMs: 2, logBytes: 0, emfBytes });

describe('EMF per publication and per invocation (bench scenario 10)', () => {
  it('splits a publication into its fixed part and what each invocation adds', () => {
    // One invocation publishes 352 B; 99 publish 548 B: 2 B per extra invocation, 350 B fixed.
    const m = emfMeasurement(
      [sample(352), sample(352)],
      [
        { invocations: 99, bytes: 548 },
        { invocations: 99, bytes: 548 },
        { invocations: 12, bytes: 372 }, // a window boundary crossed mid-run: not a full line
      ],
    );
    expect(m).toMatchObject({ bytesPerFlush: 350, valueBytesPerInvocation: 2, invocationsPerLine: 99, fullFlushBytes: 548 });
  });

  it('a function that records sums only never fills a line: all of it is fixed', () => {
    expect(emfMeasurement([sample(191)], [])).toMatchObject({ bytesPerFlush: 191, valueBytesPerInvocation: 0, invocationsPerLine: null });
  });
});
