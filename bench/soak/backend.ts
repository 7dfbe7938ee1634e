/**
 * The soak's backend: sends commands with ack=full and short TTLs to random devices, and now
 * and then purges a device's queue. A send that got no answer is "unknown": the command may
 * exist, so its deliveries and feedback are expected but not required.
 */
import type { ServiceClient } from '../../client/clients';
import { jitter, sleep, type SoakContext } from './context';

export async function runCommandSender(
  ctx: SoakContext,
  service: ServiceClient,
  deviceIds: readonly string[],
  opts: { intervalMs: number; purgeEveryMs: number },
): Promise<void> {
  let n = 0;
  let lastPurge = Date.now();
  while (!ctx.loadOver()) {
    const deviceId = deviceIds[Math.floor(Math.random() * deviceIds.length)];
    if (deviceId === undefined) return;
    if (Date.now() - lastPurge > opts.purgeEveryMs) {
      lastPurge = Date.now();
      ctx.counters.purges++;
      await service.purgeCommands(deviceId).catch(() => undefined); // feedback tells which were purged
    }
    const messageId = `${ctx.run}.c${++n}`;
    ctx.c2d.send(messageId, deviceId, Date.now());
    ctx.counters.commandSends++;
    try {
      const res = await service.sendCommandRaw(deviceId, {
        body: `command ${n}`,
        messageId,
        ack: 'full',
        ttlSeconds: Math.round(jitter(5, 20)),
      });
      if (res.status === 202) ctx.c2d.sendOutcome(messageId, 'accepted');
      else if (res.status >= 400 && res.status < 500 && res.status !== 429) ctx.c2d.sendOutcome(messageId, 'refused');
    } catch {
      /* no answer: unknown */
    }
    await sleep(jitter(opts.intervalMs * 0.5, opts.intervalMs * 1.5));
  }
}
