/** `devhub status`'s report: its shape, the health rules and the text rendering. Pure. */
import type { Palette } from '../colors';

export interface ComponentReport {
  name: string;
  up: boolean;
  /** What the supervisor last said (up, restarting, failed, stopped). */
  state: string;
  pid: number | null;
  ports: { port: number; open: boolean }[];
  restarts: number;
  lastExit?: { code: number | null; signal: string | null; at: string };
}

export interface ScheduleReport {
  name: string;
  up: boolean;
  everyMs: number;
  lastRunAt?: string;
  lastOk?: boolean;
}

export interface ShardLag {
  shardId: string;
  consumer: string;
  /** Records after the consumer's checkpoint (at most `cap`; `capped` when there are more). */
  behind: number;
  capped: boolean;
  /** Age of the oldest record not yet processed (0 when none), as Lambda's IteratorAge. */
  iteratorAgeMs: number;
}

export interface StatusReport {
  dataDir: string;
  ok: boolean;
  hub: {
    running: boolean;
    pid: number | null;
    startedAt?: string;
    stoppedAt?: string;
    failure?: string;
    http?: string;
    websocket?: string;
  };
  components: ComponentReport[];
  schedules: ScheduleReport[];
  stream: { name: string; shards: string[]; lag: ShardLag[] } | { name: string; error: string };
  queues: ({ role: string; name: string; visible: number; inFlight: number } | { role: string; name: string; error: string })[];
  registry: { devices: number; routes: number } | { error: string };
}

/** A schedule is healthy when its poller runs and it ran within three of its periods (or is not due yet). */
export function scheduleUp(
  pollerUp: boolean,
  everyMs: number,
  lastRunAt: string | undefined,
  pollerStartedAt: string,
  nowMs: number,
): boolean {
  if (!pollerUp) return false;
  const since = Date.parse(lastRunAt ?? pollerStartedAt);
  return nowMs - since < 3 * everyMs;
}

/** Healthy when the hub runs and every component and schedule is up. */
export function overallOk(r: Pick<StatusReport, 'hub' | 'components' | 'schedules'>): boolean {
  return r.hub.running && r.components.length > 0 && r.components.every((c) => c.up) && r.schedules.every((s) => s.up);
}

function ago(iso: string | undefined, nowMs: number): string {
  if (!iso) return 'never';
  const s = Math.max(0, Math.round((nowMs - Date.parse(iso)) / 1000));
  return `${s} s ago`;
}

export function renderStatus(r: StatusReport, c: Palette, nowMs: number): string {
  const mark = (up: boolean) => (up ? c.green('up  ') : c.red('DOWN'));
  const lines: string[] = [];
  if (r.hub.running) {
    lines.push(`${c.bold('devhub')} running (pid ${r.hub.pid}) since ${r.hub.startedAt}   ${r.hub.http ?? ''}   ${r.hub.websocket ?? ''}`);
  } else {
    const why = r.hub.failure
      ? `: ${r.hub.failure}`
      : r.hub.stoppedAt
        ? ` (stopped at ${r.hub.stoppedAt})`
        : r.components.length === 0
          ? ` (no hub has run here: start one with 'npm start')`
          : '';
    lines.push(`${c.bold('devhub')} ${c.red('is not running')}${why}   data dir ${r.dataDir}`);
  }
  if (r.components.length > 0) lines.push('', c.bold('Components'));
  const width = Math.max(...r.components.map((x) => x.name.length), 9);
  for (const x of r.components) {
    const ports = x.ports.map((p) => (p.open ? String(p.port) : c.red(`${p.port} closed`))).join('/');
    const extra: string[] = [];
    if (!x.up && x.state !== 'up') extra.push(x.state);
    if (x.restarts > 0) extra.push(`restarts ${x.restarts}`);
    if (x.lastExit)
      extra.push(`last exit ${x.lastExit.signal ? `signal ${x.lastExit.signal}` : `code ${x.lastExit.code}`} at ${x.lastExit.at}`);
    lines.push(
      `  ${mark(x.up)} ${x.name.padEnd(width)}  pid ${String(x.pid ?? '-').padEnd(7)} ${ports ? `port ${ports}` : ''}${extra.length ? c.dim(`   ${extra.join(', ')}`) : ''}`,
    );
  }
  if (r.schedules.length > 0) lines.push('', c.bold('Schedules'));
  for (const s of r.schedules) {
    const result = s.lastOk === undefined ? '' : s.lastOk ? ' (ok)' : c.red(' (failed)');
    lines.push(`  ${mark(s.up)} ${s.name}  every ${s.everyMs / 1000} s, last run ${ago(s.lastRunAt, nowMs)}${result}`);
  }
  lines.push('', c.bold(`Stream ${r.stream.name}`));
  if ('error' in r.stream) lines.push(`  ${c.red(`unavailable: ${r.stream.error}`)}`);
  else {
    lines.push(`  ${r.stream.shards.length} shards: ${r.stream.shards.join(', ')}`);
    for (const l of r.stream.lag) {
      const behind = `${l.behind}${l.capped ? '+' : ''} records behind`;
      lines.push(`  ${l.consumer} on ${l.shardId}: ${l.behind > 0 ? c.yellow(behind) : behind}, iterator age ${l.iteratorAgeMs} ms`);
    }
  }
  lines.push('', c.bold('Queues'));
  for (const q of r.queues) {
    const depth = 'error' in q ? c.red(`unavailable: ${q.error}`) : `${q.visible} waiting, ${q.inFlight} in flight`;
    lines.push(`  ${q.role.padEnd(16)} ${depth}   ${c.dim(q.name)}`);
  }
  lines.push(
    '',
    `${c.bold('Registry')}  ${'error' in r.registry ? c.red(`unavailable: ${r.registry.error}`) : `${r.registry.devices} devices, ${r.registry.routes} routes`}`,
  );
  lines.push('', r.ok ? c.green('All components up.') : c.red('Not every component is up.'));
  return lines.join('\n');
}
