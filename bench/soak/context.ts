/** What every soak actor (device, backend, fault injector) shares: the ledgers, the phase and counters. */
import type { C2dLedger, D2cLedger, FeedbackStatus, SettleAction } from '../../ledger/ledger';

export interface SoakCounters {
  d2cRequests: number;
  d2cRetries: number;
  wsReconnects: number;
  commandSends: number;
  purges: number;
  settleInDoubt: number;
}

export interface SoakContext {
  run: string;
  httpUrl: string;
  wsUrl: string;
  d2c: D2cLedger;
  c2d: C2dLedger;
  counters: SoakCounters;
  /** Load phase over: devices stop sending telemetry and backends stop sending commands. */
  loadOver(): boolean;
  /** Drain over: everything stops. */
  allOver(): boolean;
  log(line: string): void;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function jitter(minMs: number, maxMs: number): number {
  return minMs + Math.random() * (maxMs - minMs);
}

/** What a device does with a command it holds; during the drain it completes everything. */
export function chooseSettlement(ctx: SoakContext): SettleAction | 'ignore' {
  if (ctx.loadOver()) return 'complete';
  const r = Math.random();
  if (r < 0.65) return 'complete';
  if (r < 0.8) return 'abandon';
  if (r < 0.92) return 'reject';
  return 'ignore'; // let the lock lapse
}

export const FEEDBACK_STATUSES: readonly FeedbackStatus[] = ['Success', 'Expired', 'DeliveryCountExceeded', 'Rejected', 'Purged'];

/**
 * Application properties that identify a ledger message (values within IoT Hub's character
 * set). Lower-case names: HTTP/1.1 headers arrive lower-cased, so single HTTPS messages carry them so.
 */
export function soakProperties(run: string, deviceId: string, seq: number): Record<string, string> {
  return { soakrun: run, soakdevice: deviceId, soakseq: String(seq) };
}
