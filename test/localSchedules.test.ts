/**
 * Scheduled functions run once per period locally, as on AWS (one EventBridge rule each): the
 * poller runs them (at the test hub's 2 s), and serverless offline, which schedules `schedule`
 * events by itself, is told not to (serverless.yml `enabled`, infra/local/stack.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hubInfo } from './support/hub';

const SWEEPERS = ['c2dSweeper', 'wsSweeper'];

interface PollerState {
  schedules: Record<string, { everyMs: number; lastRunAt?: string }>;
}

function pollerSchedules(): PollerState['schedules'] {
  const file = join(hubInfo().dataDir, 'poller-state.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as PollerState).schedules : {};
}

it('each sweeper is scheduled by the poller only, not by serverless offline too', async () => {
  // The poller has run both sweepers (waited for, with a deadline that only bounds a hang).
  const ran = (name: string) => Object.entries(pollerSchedules()).some(([key, s]) => key.includes(name) && s.lastRunAt);
  for (const deadline = Date.now() + 60_000; !SWEEPERS.every(ran);) {
    if (Date.now() > deadline) throw new Error(`poller never ran the sweepers: ${JSON.stringify(pollerSchedules())}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(Object.keys(pollerSchedules()).filter((key) => SWEEPERS.some((s) => key.includes(s)))).toHaveLength(2);
  // serverless offline logs each schedule it sets up: both must be disabled there.
  const offlineLog = readFileSync(join(hubInfo().dataDir, 'logs', 'functions.log'), 'utf8');
  for (const name of SWEEPERS) {
    expect(offlineLog).toContain(`Scheduling [${name}] cron: disabled`);
    expect(offlineLog).not.toMatch(new RegExp(`Scheduling \\[${name}\\] cron: \\[`));
  }
});
