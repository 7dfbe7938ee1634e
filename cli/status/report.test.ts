import { PLAIN } from '../colors';
import { overallOk, renderStatus, scheduleUp, type StatusReport } from './report';

const now = Date.parse('2026-12-01T10:00:00.000Z');

function report(overrides: Partial<StatusReport> = {}): StatusReport {
  const base = {
    dataDir: '/d',
    hub: { running: true, pid: 1, startedAt: '2026-12-01T09:00:00.000Z' },
    components: [
      { name: 'kinesis', up: true, state: 'up', pid: 11, ports: [{ port: 4567, open: true }], restarts: 0 },
      { name: 'poller', up: true, state: 'up', pid: 12, ports: [], restarts: 2 },
    ],
    schedules: [{ name: 'sweeper', up: true, everyMs: 10_000, lastRunAt: '2026-12-01T09:59:55.000Z', lastOk: true }],
    stream: { name: 'events', shards: ['s0'], lag: [{ shardId: 's0', consumer: 'router', behind: 3, capped: false, iteratorAgeMs: 1200 }] },
    queues: [{ role: 'feedback', name: 'fq', visible: 2, inFlight: 1 }],
    registry: { devices: 5, routes: 1 },
    ...overrides,
  };
  return { ...base, ok: overallOk(base) };
}

describe('devhub status report', () => {
  it('is ok only when the hub runs and every component and schedule is up', () => {
    expect(report().ok).toBe(true);
    const down = report({
      components: [{ name: 'sqs', up: false, state: 'restarting', pid: null, ports: [{ port: 9324, open: false }], restarts: 1 }],
    });
    expect(down.ok).toBe(false);
    expect(report({ schedules: [{ name: 's', up: false, everyMs: 1000 }] }).ok).toBe(false);
    expect(report({ hub: { running: false, pid: null } }).ok).toBe(false);
    expect(report({ components: [] }).ok).toBe(false);
  });

  it('a schedule is up while it keeps running within three periods', () => {
    expect(scheduleUp(true, 10_000, '2026-12-01T09:59:35.000Z', '2026-12-01T09:00:00.000Z', now)).toBe(true);
    expect(scheduleUp(true, 10_000, '2026-12-01T09:59:25.000Z', '2026-12-01T09:00:00.000Z', now)).toBe(false);
    expect(scheduleUp(true, 10_000, undefined, '2026-12-01T09:59:59.000Z', now)).toBe(true); // not due yet
    expect(scheduleUp(false, 10_000, '2026-12-01T09:59:59.000Z', '2026-12-01T09:00:00.000Z', now)).toBe(false);
  });

  it('renders every part for people', () => {
    const text = renderStatus(report(), PLAIN, now);
    expect(text).toContain('up   kinesis    pid 11      port 4567');
    expect(text).toContain('poller');
    expect(text).toContain('restarts 2');
    expect(text).toContain('sweeper  every 10 s, last run 5 s ago (ok)');
    expect(text).toContain('router on s0: 3 records behind, iterator age 1200 ms');
    expect(text).toContain('feedback         2 waiting, 1 in flight');
    expect(text).toContain('5 devices, 1 routes');
    expect(text).toContain('All components up.');
    const stopped = renderStatus(
      report({
        hub: { running: false, pid: null, failure: 'poller died 5 times' },
        stream: { name: 'events', error: 'connection refused' },
      }),
      PLAIN,
      now,
    );
    expect(stopped).toContain('devhub is not running: poller died 5 times');
    expect(stopped).toContain('unavailable: connection refused');
    expect(stopped).toContain('Not every component is up.');
  });
});
