/**
 * The checks over a ledger and the printed result table. Pure.
 *
 * D2C, per channel and endpoint: acknowledged, delivered, lost (acknowledged, never delivered:
 * must be 0), unexpected (delivered, never sent: must be 0), duplicates (allowed, as a rate),
 * and per-device order of first deliveries on the endpoints that keep order. An order
 * violation is a message whose first delivery came after the first delivery of a later
 * message of the same device. It is "in-batch" when both were in the same device request
 * (a batch whose entries partially failed and were re-sent: Kinesis PutRecords cannot keep
 * order inside one call then), "across requests" otherwise.
 *
 * C2D: every accepted command completed exactly once (Success feedback) or ended with exactly
 * one kind of failure feedback; no command held by two locks at once (overlapping lock
 * intervals or two deliveries with the same delivery count); nothing delivered after it was
 * completed; nothing delivered to another device; nothing unexpected.
 */
import {
  CHANNELS,
  ENDPOINTS,
  messageKey,
  ORDERED_ENDPOINTS,
  type C2dLedger,
  type Channel,
  type CommandDelivery,
  type D2cLedger,
  type EndpointName,
  type FeedbackStatus,
} from './ledger';

export interface D2cRow {
  channel: Channel;
  endpoint: EndpointName;
  acknowledged: number;
  delivered: number;
  lost: number;
  /** Sent but not acknowledged (5xx, timeouts), and delivered anyway: allowed. */
  unacknowledgedDelivered: number;
  duplicates: number;
  duplicateRate: number;
  orderChecked: boolean;
  orderViolationsInBatch: number;
  orderViolationsAcrossRequests: number;
}

export interface C2dSummary {
  sent: number;
  accepted: number;
  refused: number;
  unknown: number;
  completedOnce: number;
  failedWithFeedback: Partial<Record<FeedbackStatus, number>>;
  deliveries: number;
  settleLockLost: number;
  duplicateFeedback: number;
  /** Violations (each must be 0). */
  completedTwice: number;
  completedWithoutSuccessFeedback: number;
  conflictingFeedback: number;
  unresolved: number;
  heldTwice: number;
  deliveredAfterCompletion: number;
  wrongDevice: number;
  unexpected: number;
}

export interface SoakReport {
  d2c: D2cRow[];
  unexpectedD2c: number;
  refusedD2c: number;
  c2d: C2dSummary;
  /** Human-readable reasons the run failed; empty when every invariant held. */
  failures: string[];
}

/** Order violations among first deliveries of one device at one endpoint. */
export function orderViolations(arrivals: readonly number[], requestOf: (seq: number) => string): { inBatch: number; across: number } {
  const firsts: number[] = [];
  const seen = new Set<number>();
  for (const s of arrivals) {
    if (!seen.has(s)) firsts.push(s);
    seen.add(s);
  }
  let max: number | undefined;
  const result = { inBatch: 0, across: 0 };
  for (const s of firsts) {
    if (max !== undefined && s < max) {
      if (requestOf(s) === requestOf(max)) result.inBatch++;
      else result.across++;
    } else max = s;
  }
  return result;
}

/** `endpoints`: the places this run collected from (a run without a consumer group has no "group"). */
export function checkD2c(ledger: D2cLedger, endpoints: readonly EndpointName[] = ENDPOINTS): D2cRow[] {
  const rows: D2cRow[] = [];
  for (const channel of CHANNELS) {
    for (const endpoint of endpoints) {
      const row: D2cRow = {
        channel,
        endpoint,
        acknowledged: 0,
        delivered: 0,
        lost: 0,
        unacknowledgedDelivered: 0,
        duplicates: 0,
        duplicateRate: 0,
        orderChecked: ORDERED_ENDPOINTS.has(endpoint),
        orderViolationsInBatch: 0,
        orderViolationsAcrossRequests: 0,
      };
      const copies = new Map<string, number>();
      for (const [deviceId, seqs] of ledger.arrivals.get(endpoint) ?? []) {
        let ofChannel = false;
        for (const seq of seqs) {
          const m = ledger.sent.get(messageKey(deviceId, seq));
          if (m?.channel !== channel) continue;
          ofChannel = true;
          copies.set(messageKey(deviceId, seq), (copies.get(messageKey(deviceId, seq)) ?? 0) + 1);
        }
        if (ofChannel && row.orderChecked) {
          const v = orderViolations(seqs, (seq) => ledger.sent.get(messageKey(deviceId, seq))?.requestId ?? '');
          row.orderViolationsInBatch += v.inBatch;
          row.orderViolationsAcrossRequests += v.across;
        }
      }
      for (const m of ledger.sent.values()) {
        if (m.channel !== channel) continue;
        const n = copies.get(messageKey(m.deviceId, m.seq)) ?? 0;
        if (m.acked) {
          row.acknowledged++;
          if (n > 0) row.delivered++;
          else row.lost++;
        } else if (n > 0) row.unacknowledgedDelivered++;
        if (n > 1) row.duplicates += n - 1;
      }
      const distinct = row.delivered + row.unacknowledgedDelivered;
      row.duplicateRate = distinct === 0 ? 0 : row.duplicates / distinct;
      rows.push(row);
    }
  }
  return rows;
}

/** Two deliveries of one command whose certain lock intervals overlap, or that share a delivery count. */
function heldTwice(deliveries: readonly CommandDelivery[]): number {
  const byCommand = new Map<string, CommandDelivery[]>();
  for (const d of deliveries) byCommand.set(d.messageId, [...(byCommand.get(d.messageId) ?? []), d]);
  let count = 0;
  for (const list of byCommand.values()) {
    const counts = new Set<number>();
    for (const d of list) {
      if (counts.has(d.deliveryCount)) count++;
      counts.add(d.deliveryCount);
    }
    // Certainly held from receipt until the earlier of its settlement and the latest possible lock end.
    const intervals = list.map((d) => ({
      start: d.receivedAtMs,
      end: Math.min(d.lockedAfterMs + d.lockMs, d.settleSentAtMs ?? Number.POSITIVE_INFINITY),
      token: d.lockToken,
    }));
    for (let i = 0; i < intervals.length; i++) {
      for (let j = i + 1; j < intervals.length; j++) {
        const a = intervals[i];
        const b = intervals[j];
        if (!a || !b || a.token === b.token || a.start >= a.end || b.start >= b.end) continue;
        if (a.start < b.end && b.start < a.end) count++;
      }
    }
  }
  return count;
}

export function checkC2d(ledger: C2dLedger): C2dSummary {
  const s: C2dSummary = {
    sent: ledger.commands.size,
    accepted: 0,
    refused: 0,
    unknown: 0,
    completedOnce: 0,
    failedWithFeedback: {},
    deliveries: ledger.deliveries.length,
    settleLockLost: ledger.settleLockLost,
    duplicateFeedback: 0,
    completedTwice: 0,
    completedWithoutSuccessFeedback: 0,
    conflictingFeedback: 0,
    unresolved: 0,
    heldTwice: heldTwice(ledger.deliveries),
    deliveredAfterCompletion: 0,
    wrongDevice: 0,
    unexpected: ledger.unexpected.length,
  };
  for (const c of ledger.commands.values()) {
    s[c.outcome]++;
    const kinds = new Set(c.feedback);
    s.duplicateFeedback += c.feedback.length - kinds.size;
    if (kinds.size > 1) s.conflictingFeedback++;
    if (c.completions > 1) s.completedTwice++;
    if (c.completions >= 1 && !kinds.has('Success')) s.completedWithoutSuccessFeedback++;
    // A completion whose answer was lost counts when the Success feedback shows it happened.
    const completedInDoubt = c.completions === 0 && c.completionsInDoubt > 0 && kinds.has('Success');
    if (c.completions === 0 && !completedInDoubt && kinds.has('Success')) s.conflictingFeedback++; // Success nobody completed
    if (c.outcome !== 'accepted' && kinds.size === 0) continue;
    if ((c.completions === 1 || completedInDoubt) && kinds.has('Success') && kinds.size === 1) s.completedOnce++;
    else if (c.completions === 0 && kinds.size === 1) {
      const [status] = [...kinds] as [FeedbackStatus];
      s.failedWithFeedback[status] = (s.failedWithFeedback[status] ?? 0) + 1;
    } else if (c.completions === 0 && kinds.size === 0) s.unresolved++;
  }
  for (const d of ledger.deliveries) {
    const c = ledger.commands.get(d.messageId);
    if (!c) continue;
    if (c.deviceId !== d.deviceId) s.wrongDevice++;
    if (c.completedAtMs !== undefined && d.lockedAfterMs > c.completedAtMs) s.deliveredAfterCompletion++;
  }
  return s;
}

export function check(d2c: D2cLedger, c2d: C2dLedger): SoakReport {
  const rows = checkD2c(d2c);
  const c = checkC2d(c2d);
  const unexpectedD2c = [...d2c.unexpected.values()].reduce((n, list) => n + list.length, 0);
  const refusedD2c = [...d2c.sent.values()].filter((m) => m.refused).length;
  const failures: string[] = [];
  for (const r of rows) {
    if (r.lost > 0) failures.push(`${r.lost} acknowledged ${r.channel} messages never reached ${r.endpoint}`);
    // The built-in stream (and a consumer group reading it) promises per-device order across requests (README, "Guarantees").
    if ((r.endpoint === 'stream' || r.endpoint === 'group') && r.orderViolationsAcrossRequests > 0)
      failures.push(
        `${r.orderViolationsAcrossRequests} ${r.channel} messages out of order across requests on the ${r.endpoint === 'group' ? 'consumer group' : 'built-in stream'}`,
      );
  }
  if (unexpectedD2c > 0) failures.push(`${unexpectedD2c} D2C deliveries of messages never sent`);
  if (rows.every((r) => r.acknowledged === 0)) failures.push('no D2C message was acknowledged');
  const violations: [keyof C2dSummary, string][] = [
    ['completedTwice', 'commands completed more than once'],
    ['completedWithoutSuccessFeedback', 'completed commands without Success feedback'],
    ['conflictingFeedback', 'commands with conflicting outcomes'],
    ['unresolved', 'accepted commands with no outcome (not completed, no feedback)'],
    ['heldTwice', 'commands held by two locks at once'],
    ['deliveredAfterCompletion', 'commands delivered after they were completed'],
    ['wrongDevice', 'commands delivered to another device'],
    ['unexpected', 'C2D deliveries or feedback for commands never sent'],
  ];
  for (const [field, what] of violations) {
    const n = c[field] as number;
    if (n > 0) failures.push(`${n} ${what}`);
  }
  if (c.accepted === 0) failures.push('no command was accepted');
  return { d2c: rows, unexpectedD2c, refusedD2c, c2d: c, failures };
}

export interface LoadTargets {
  /** Acknowledged D2C messages per channel (HTTPS, WebSocket). */
  acknowledgedPerChannel: number;
  /** Commands the hub accepted (202). */
  commandsAccepted: number;
  /** Complete fault cycles. */
  faultCycles: number;
}

/** What is still missing to reach `targets`; empty when they are met. */
export function unmetTargets(targets: LoadTargets, d2c: D2cLedger, c2d: C2dLedger, faultCycles: number): string[] {
  const unmet: string[] = [];
  for (const channel of CHANNELS) {
    const n = [...d2c.sent.values()].filter((m) => m.channel === channel && m.acked).length;
    if (n < targets.acknowledgedPerChannel) unmet.push(`${channel} acknowledged ${n} < ${targets.acknowledgedPerChannel}`);
  }
  const accepted = [...c2d.commands.values()].filter((c) => c.outcome === 'accepted').length;
  if (accepted < targets.commandsAccepted) unmet.push(`commands accepted ${accepted} < ${targets.commandsAccepted}`);
  if (faultCycles < targets.faultCycles) unmet.push(`fault cycles ${faultCycles} < ${targets.faultCycles}`);
  return unmet;
}
