/**
 * The measured waiting is the emulators' (kinesalite answers a PutRecords in ~0.5 ms); in AWS the
 * same call waits for the stream's replicated write, and a DynamoDB call longer than dynalite's.
 * That latency cannot be measured here, so the model states its price instead of guessing it: what
 * 10 ms more per device API call (send, receive, complete, empty poll) would add.
 */
import { checkAssumptions, setAssumption, setDuration } from './assumptions';
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
  // Every kind of device API call waits on AWS: sends on Kinesis, receives, completes and polls on DynamoDB.
  let more: unknown = setDuration(assumptions, `deviceApi=${assumptions.functions.deviceApi.invocationMs + WAIT_STEP_MS}`);
  for (const [k, ms] of Object.entries(assumptions.deviceApiC2d)) more = setAssumption(more, `deviceApiC2d.${k}=${ms + WAIT_STEP_MS}`);
  const slower = priced(checkAssumptions(more, assumptions));
  const usdPerMonth = slower.totalUsd - base.totalUsd;
  const perMillionUsd = slower.perMillionMessagesUsd - base.perMillionMessagesUsd;
  return {
    usdPerMonth,
    perMillionUsd,
    line:
      `\nWaiting time measured against the local emulators, not AWS: each ${WAIT_STEP_MS} ms more per device API call ` +
      `(a real PutRecords or DynamoDB call waits longer than kinesalite or dynalite) adds ${usdPerMonth.toFixed(2)} USD/month (${perMillionUsd.toFixed(3)} per million) ` +
      `at ${device.memoryMb} MB; price a latency you measured with --duration deviceApi=<ms> (sends) and ` +
      `--set deviceApiC2d.receiveMs=<ms> (completeMs, emptyPollMs).`,
  };
}
