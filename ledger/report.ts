/** The ledger's result table, as `npm run soak` and the ledger test print it. Pure. */
import type { SoakReport } from './check';

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

export function formatReport(report: SoakReport): string {
  const d2c = table(
    ['channel', 'endpoint', 'acked', 'delivered', 'LOST', 'unacked-deliv', 'dups', 'dup rate', 'order(across)', 'order(in-batch)'],
    report.d2c.map((r) => [
      r.channel,
      r.endpoint,
      String(r.acknowledged),
      String(r.delivered),
      String(r.lost),
      String(r.unacknowledgedDelivered),
      String(r.duplicates),
      pct(r.duplicateRate),
      r.orderChecked ? String(r.orderViolationsAcrossRequests) : 'n/a',
      r.orderChecked ? String(r.orderViolationsInBatch) : 'n/a',
    ]),
  );
  const c = report.c2d;
  const failed = Object.entries(c.failedWithFeedback)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const c2d = [
    `C2D  sent ${c.sent}: accepted ${c.accepted}, refused ${c.refused}, unknown outcome ${c.unknown}; deliveries ${c.deliveries}; settlements answered 412 ${c.settleLockLost}`,
    `     completed exactly once ${c.completedOnce}; ended with feedback: ${failed || 'none'}; duplicate feedback records ${c.duplicateFeedback}`,
    `     violations: completed twice ${c.completedTwice}, completed without Success feedback ${c.completedWithoutSuccessFeedback}, conflicting outcomes ${c.conflictingFeedback}, unresolved ${c.unresolved}, held twice ${c.heldTwice}, delivered after completion ${c.deliveredAfterCompletion}, wrong device ${c.wrongDevice}, unexpected ${c.unexpected}`,
  ].join('\n');
  const extra = `D2C  unexpected (delivered, never sent) ${report.unexpectedD2c}; refused with 4xx ${report.refusedD2c}`;
  const verdict = report.failures.length === 0 ? 'RESULT: every invariant held' : `RESULT: FAILED\n  - ${report.failures.join('\n  - ')}`;
  return [d2c, extra, c2d, verdict].join('\n');
}
