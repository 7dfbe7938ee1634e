/**
 * The measured waiting is the emulators' (kinesalite answers a PutRecords in ~0.5 ms); in AWS the
 * same call waits for the stream's replicated write. That latency cannot be measured here, so the
 * model states its price instead of guessing it: what 10 ms more per device API call would add.
 */
import { checkAssumptions, setDuration } from './assumptions';
import type { AppliedMeasurement } from './measured';
import type { Assumptions } from './types';

export const WAIT_STEP_MS = 10;

export interface WaitingSensitivity {
  usdPerMonth: number;
  perMillionUsd: number;
  line: string;
}

/** What WAIT_STEP_MS more per device API invocation adds to the estimate `priced` makes. */
export function waitingSensitivity(
  applied: readonly AppliedMeasurement[],
  assumptions: Assumptions,
  priced: (a: Assumptions) => { totalUsd: number; perMillionMessagesUsd: number },
): WaitingSensitivity {
  const device = applied.find((m) => m.role === 'deviceApi');
  if (!device) return { usdPerMonth: 0, perMillionUsd: 0, line: '' };
  const base = priced(assumptions);
  const slower = priced(checkAssumptions(setDuration(assumptions, `deviceApi=${device.invocationMs + WAIT_STEP_MS}`), assumptions));
  const usdPerMonth = slower.totalUsd - base.totalUsd;
  const perMillionUsd = slower.perMillionMessagesUsd - base.perMillionMessagesUsd;
  return {
    usdPerMonth,
    perMillionUsd,
    line:
      `\nWaiting time measured against the local emulators, not AWS: each ${WAIT_STEP_MS} ms more per device API call ` +
      `(a real PutRecords waits longer than kinesalite) adds ${usdPerMonth.toFixed(2)} USD/month (${perMillionUsd.toFixed(3)} per million) ` +
      `at ${device.memoryMb} MB; price a latency you measured with --duration deviceApi=<ms>.`,
  };
}
