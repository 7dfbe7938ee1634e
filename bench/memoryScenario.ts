/**
 * Scenario 8: memory under constant load. HTTPS telemetry at a fixed rate for `minutes`, the
 * functions process's RSS sampled every 30 s, so growth that does not level off shows.
 */
import { randomBytes } from 'node:crypto';
import { DeviceClient } from '../client/clients';
import { createDevices, type BenchHub } from './hubScenarios';
import { openLoop, type Stats } from './load';

export interface MemoryRun {
  rate: number;
  minutes: number;
  samples: { atSeconds: number; rssMb: number }[];
  load: Stats[];
}

export async function memoryUnderLoad(hub: BenchHub, rssKb: () => number | undefined, minutes: number, rate = 200): Promise<MemoryRun> {
  const devices = (await createDevices(hub, 100, 'bench-mem')).map((d) => new DeviceClient(hub.httpUrl, d.cs));
  const body = randomBytes(1024);
  const samples: MemoryRun['samples'] = [];
  const load: Stats[] = [];
  const sample = (atSeconds: number) => samples.push({ atSeconds, rssMb: Math.round((rssKb() ?? 0) / 1024) });
  sample(0);
  const windows = Math.max(1, Math.round((minutes * 60) / 30));
  for (let w = 1; w <= windows; w++) {
    load.push(await openLoop(rate, 30, async (i) => (devices[i % devices.length] as DeviceClient).send({ body })));
    sample(w * 30);
  }
  return { rate, minutes, samples, load };
}
