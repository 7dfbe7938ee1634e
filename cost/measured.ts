/**
 * The measured assumptions `npm run bench` writes (cost/measured.json, bench/functionSizes.ts):
 * per function, CPU and waiting time per invocation, CPU per extra item, log bytes per invocation
 * and EMF bytes per publication and per invocation (lib/metrics.ts aggregates per instance), and the
 * device API's C2D receive, complete and empty poll apart from its send, all measured in-process;
 * functions.serviceApi is the role of the commandsApi function (a backend's C2D send) and
 * functions.sweeper the c2dSweeper's scheduled run, each optional like every function: one the file
 * lacks keeps cost/assumptions.json. Applied over cost/assumptions.json for the memory size serverless.yml gives each
 * function, with Lambda's CPU share (1,769 MB = one vCPU) emulated by a ratio. Pure.
 */
import { FUNCTION_ROLES, type Assumptions, type DeploymentSettings, type FunctionRole } from './types';

/** Lambda: one full vCPU at 1,769 MB (Lambda developer guide, "Configuring function memory"). */
export const FULL_VCPU_MB = 1769;

export function cpuShare(memoryMb: number): number {
  return Math.min(1, memoryMb / FULL_VCPU_MB);
}

/** Billed duration at `memoryMb` of an invocation that used `cpuMs` of CPU at full speed and waited `waitMs`. */
export function durationAt(memoryMb: number, cpuMs: number, waitMs: number): number {
  return cpuMs / cpuShare(memoryMb) + waitMs;
}

export interface MeasuredFunction {
  cpuMsPerInvocation: number;
  waitMsPerInvocation: number;
  cpuMsPerItem: number;
  logBytesPerInvocation: number;
  /** Fixed bytes of one metrics publication on the hot path (cost/types.ts FunctionAssumption). */
  emfBytesPerFlush: number;
  /** Bytes each invocation adds to a publication (distribution values). */
  emfValueBytesPerInvocation: number;
  /** Invocations after which a distribution filled a line and published; null when none did. */
  emfInvocationsPerLine: number | null;
  initCpuMs: number;
  initWallMs: number;
  rssMb: number;
  chosenMemoryMb: number;
  why: string;
}

/** One kind of device API call other than a send, measured the same way (CPU at full speed, waiting = wall − CPU). */
export interface MeasuredCall {
  cpuMsPerInvocation: number;
  waitMsPerInvocation: number;
  emfBytesPerInvocation: number;
}

/** The file's key for each device API call and the assumption (cost/types.ts deviceApiC2d) it replaces. */
export const DEVICE_API_CALLS = [
  { key: 'deviceApiC2dReceive', assumption: 'receiveMs', what: 'C2D receive' },
  { key: 'deviceApiC2dComplete', assumption: 'completeMs', what: 'C2D complete' },
  { key: 'deviceApiEmptyPoll', assumption: 'emptyPollMs', what: 'empty poll' },
] as const;
export type DeviceApiCallKey = (typeof DEVICE_API_CALLS)[number]['key'];

export interface Measured {
  date: string;
  machine: { cores: number; cpu: string; memoryGb: number; node: string };
  method: string;
  functions: Partial<Record<FunctionRole, MeasuredFunction>>;
  /** Optional: a file written before the bench measured a call leaves that call to cost/assumptions.json. */
  deviceApiC2dReceive?: MeasuredCall;
  deviceApiC2dComplete?: MeasuredCall;
  deviceApiEmptyPoll?: MeasuredCall;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Checks the file's shape (a hand-edited or truncated file fails loudly). */
export function parseMeasured(raw: unknown, source: string): Measured {
  if (!isObj(raw) || typeof raw.date !== 'string' || !isObj(raw.machine) || typeof raw.method !== 'string' || !isObj(raw.functions)) {
    throw new Error(`${source}: not a measured-assumptions file (date, machine, method, functions)`);
  }
  for (const [role, f] of Object.entries(raw.functions)) {
    if (!FUNCTION_ROLES.includes(role as FunctionRole)) throw new Error(`${source}: unknown function role "${role}"`);
    for (const k of [
      'cpuMsPerInvocation',
      'waitMsPerInvocation',
      'cpuMsPerItem',
      'logBytesPerInvocation',
      'emfBytesPerFlush',
      'emfValueBytesPerInvocation',
    ]) {
      const v = isObj(f) ? f[k] : undefined;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`${source}: functions.${role}.${k} must be a number >= 0`);
    }
    const perLine = isObj(f) ? f.emfInvocationsPerLine : undefined;
    if (perLine !== null && (typeof perLine !== 'number' || !(perLine >= 1))) {
      throw new Error(`${source}: functions.${role}.emfInvocationsPerLine must be a number >= 1 or null`);
    }
  }
  for (const { key } of DEVICE_API_CALLS) {
    const call = raw[key];
    if (call === undefined) continue;
    for (const k of ['cpuMsPerInvocation', 'waitMsPerInvocation', 'emfBytesPerInvocation']) {
      const v = isObj(call) ? call[k] : undefined;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`${source}: ${key}.${k} must be a number >= 0`);
    }
  }
  return raw as unknown as Measured;
}

export interface AppliedMeasurement {
  role: FunctionRole;
  memoryMb: number;
  invocationMs: number;
  perItemMs: number;
}

/** A device API call's billed duration, measured (at the device function's memory) or assumed (cost/assumptions.json). */
export interface DeviceApiCallDuration {
  key: DeviceApiCallKey;
  assumption: (typeof DEVICE_API_CALLS)[number]['assumption'];
  what: string;
  memoryMb: number;
  invocationMs: number;
  measured: boolean;
}

/** The assumptions with each measured function's duration (at its memory in serverless.yml), per-item time and log bytes. */
export function applyMeasured(
  a: Assumptions,
  m: Measured,
  settings: DeploymentSettings,
): { assumptions: Assumptions; applied: AppliedMeasurement[]; calls: DeviceApiCallDuration[] } {
  const out = structuredClone(a);
  const applied: AppliedMeasurement[] = [];
  for (const role of FUNCTION_ROLES) {
    const f = m.functions[role];
    if (!f) continue;
    const memoryMb = settings.functions[role].memoryMb;
    const perItemMs = f.cpuMsPerItem / cpuShare(memoryMb);
    // The measured single-item invocation already holds one item: the model adds perItemMs per item.
    const invocationMs = Math.max(0, durationAt(memoryMb, f.cpuMsPerInvocation, f.waitMsPerInvocation) - perItemMs);
    out.functions[role] = {
      ...out.functions[role],
      invocationMs,
      perItemMs,
      logBytesPerInvocation: f.logBytesPerInvocation,
      emfBytesPerFlush: f.emfBytesPerFlush,
      emfValueBytesPerInvocation: f.emfValueBytesPerInvocation,
      emfInvocationsPerLine: f.emfInvocationsPerLine,
    };
    applied.push({ role, memoryMb, invocationMs, perItemMs });
  }
  // Receives, completes and empty polls run in the device function too: each at its own measured
  // duration (the whole invocation: no message of a send's per-item part is in it).
  const memoryMb = settings.functions.deviceApi.memoryMb;
  const calls = DEVICE_API_CALLS.map(({ key, assumption, what }): DeviceApiCallDuration => {
    const c = m[key];
    if (c) out.deviceApiC2d[assumption] = durationAt(memoryMb, c.cpuMsPerInvocation, c.waitMsPerInvocation);
    return { key, assumption, what, memoryMb, invocationMs: out.deviceApiC2d[assumption], measured: c !== undefined };
  });
  return { assumptions: out, applied, calls };
}

const roundMs = (n: number) => (n >= 10 ? String(Math.round(n)) : String(Math.round(n * 100) / 100));

/**
 * Where each device API call's duration in `final` (the assumptions priced) comes from, e.g.
 * "deviceApi per call at 256 MB: C2D receive 12 ms, C2D complete 15 ms (measured); empty poll 8 ms
 * (cost/assumptions.json deviceApiC2d)." A value --assumptions or --set changed is named so.
 */
export function deviceApiCallsLine(calls: readonly DeviceApiCallDuration[], final: Assumptions): string {
  const sources = ['measured', 'cost/assumptions.json deviceApiC2d', '--assumptions/--set'] as const;
  const source = (c: DeviceApiCallDuration) =>
    final.deviceApiC2d[c.assumption] !== c.invocationMs ? sources[2] : c.measured ? sources[0] : sources[1];
  const parts = sources
    .map((from) => [from, calls.filter((c) => source(c) === from)] as const)
    .filter(([, these]) => these.length > 0)
    .map(([from, these]) => `${these.map((c) => `${c.what} ${roundMs(final.deviceApiC2d[c.assumption])} ms`).join(', ')} (${from})`);
  return `deviceApi per call at ${calls[0]?.memoryMb ?? '?'} MB: ${parts.join('; ')}.`;
}
