import { readFileSync, rmSync } from 'node:fs';
import { TEST_HUB_FILE, type TestHubInfo } from './config';

export default async function globalTeardown(): Promise<void> {
  const hub = (globalThis as { __DEVHUB__?: { stop(): Promise<void> } }).__DEVHUB__;
  if (hub) {
    await hub.stop();
  } else {
    // Not the process that ran globalSetup: stop the children by their process groups.
    const info = JSON.parse(readFileSync(TEST_HUB_FILE, 'utf8')) as TestHubInfo;
    for (const pid of info.pids) {
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
    }
  }
  const info = JSON.parse(readFileSync(TEST_HUB_FILE, 'utf8')) as TestHubInfo;
  rmSync(info.dataDir, { recursive: true, force: true });
  rmSync(TEST_HUB_FILE, { force: true });
}
