/**
 * Scenarios 4 and 5: a message's whole trip device → stream → router → SQS endpoint, and
 * cloud-to-device send → HTTPS receive → complete, plus push latency over the WebSocket.
 */
import { conventionalName } from '../lib/routing/endpointGuard';
import { CreateQueueCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { randomBytes } from 'node:crypto';
import { DeviceClient, RoutingClient, ServiceClient } from '../client/clients';
import { WsDevice } from '../client/wsDevice';
import type { Envelope } from '../lib/envelope';
import { createDevices, type BenchHub, type Plan, type ScenarioResult } from './hubScenarios';
import { ramp } from './load';

/** Waiters for messages arriving on a queue, keyed by a property the sender set. */
class QueueWatcher {
  private readonly waiting = new Map<string, () => void>();
  private readonly early = new Set<string>();
  private running = true;
  private readonly loop: Promise<void>;

  constructor(
    private readonly sqs: SQSClient,
    private readonly url: string,
  ) {
    this.loop = this.poll();
  }

  arrival(key: string, timeoutMs: number): Promise<void> {
    if (this.early.delete(key)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(key);
        reject(new Error(`message ${key} did not arrive within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(key, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private async poll(): Promise<void> {
    while (this.running) {
      await this.receiveOnce().catch(async (err: unknown) => {
        // A dropped keep-alive connection or a busy emulator: the next poll simply tries again.
        console.error(`bench: queue poll failed (${err instanceof Error ? err.message : String(err)}); retrying`);
        await new Promise((r) => setTimeout(r, 200));
      });
    }
  }

  private async receiveOnce(): Promise<void> {
    {
      const out = await this.sqs.send(new ReceiveMessageCommand({ QueueUrl: this.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      const messages = out.Messages ?? [];
      for (const m of messages) {
        const key = (JSON.parse(m.Body ?? '{}') as Envelope).properties?.benchkey; // HTTP lower-cases header names, so the property arrives lower-case
        if (!key) continue;
        const waiter = this.waiting.get(key);
        if (waiter) {
          this.waiting.delete(key);
          waiter();
        } else this.early.add(key);
      }
      if (messages.length > 0) {
        await this.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: this.url,
            Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
          }),
        );
      }
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

export async function endToEndRouting(hub: BenchHub, plan: Plan): Promise<ScenarioResult> {
  const sqs = new SQSClient({});
  const run = randomBytes(3).toString('hex');
  const url =
    (await sqs.send(new CreateQueueCommand({ QueueName: conventionalName(hub.endpointNames, `bench-e2e-${run}`) }))).QueueUrl ?? '';
  const routing = new RoutingClient(hub.httpUrl, hub.connectionString);
  const endpoint = `bench-sqs-${run}`;
  await routing.putEndpoint(endpoint, { type: 'sqs', target: url });
  // Ten routes, as a busy hub has: nine that do not match the benchmark traffic, one that does.
  for (let r = 0; r < 9; r++) {
    await routing.putRoute(`bench-${run}-other-${r}`, {
      source: 'DeviceMessages',
      condition: `level = 'level-${r}' AND $body.temperature > ${r}`,
      endpoint,
    });
  }
  await routing.putRoute(`bench-${run}-match`, { source: 'DeviceMessages', condition: `benchRun = '${run}'`, endpoint });
  await new Promise((r) => setTimeout(r, 6000)); // the router's routing cache (ROUTING_CACHE_TTL_MS) picks the routes up
  const devices = (await createDevices(hub, Math.min(plan.devices, 20), 'bench-e2e')).map((d) => new DeviceClient(hub.httpUrl, d.cs));
  const watcher = new QueueWatcher(sqs, url);
  const body = randomBytes(512);
  const measured = await ramp(
    plan.e2eRates,
    plan.seconds,
    async (i) => {
      const key = `${run}-${i}`;
      const arrived = watcher.arrival(key, 30_000);
      try {
        await (devices[i % devices.length] as DeviceClient).send({ body, properties: { benchrun: run, benchkey: key } });
      } catch (err) {
        arrived.catch(() => undefined); // it will never come; the send's error is what counts
        throw err;
      }
      await arrived;
    },
    2000,
  );
  await watcher.stop();
  for (let r = 0; r < 9; r++) await routing.deleteRoute(`bench-${run}-other-${r}`);
  await routing.deleteRoute(`bench-${run}-match`);
  await routing.deleteEndpoint(endpoint);
  sqs.destroy();
  return {
    scenario: '4. End-to-end: device HTTPS send → stream → router (10 routes) → SQS endpoint receive',
    unit: 'messages/s (sustained = p99 < 2000 ms: the router batches for up to 1 s (batchWindow) before routing)',
    measured,
  };
}

export async function c2dRoundTrip(hub: BenchHub, plan: Plan): Promise<ScenarioResult> {
  const svc = new ServiceClient(hub.httpUrl, hub.connectionString);
  const devices = await createDevices(hub, plan.devices, 'bench-c2d');
  const clients = devices.map((d) => new DeviceClient(hub.httpUrl, d.cs));
  const measured = await ramp(plan.c2dRates, plan.seconds, async (i) => {
    const d = i % devices.length;
    await svc.sendCommand((devices[d] as { id: string }).id, { body: `cmd-${i}`, messageId: `c-${i}` });
    // The device polls until it has a command, then completes it (the queue is FIFO per device).
    for (;;) {
      const got = await (clients[d] as DeviceClient).receive();
      if (got) {
        await (clients[d] as DeviceClient).complete(got.lockToken);
        return;
      }
    }
  });
  return { scenario: `5a. C2D: backend send → HTTPS receive → complete, across ${devices.length} devices`, unit: 'commands/s', measured };
}

export async function c2dPush(hub: BenchHub, plan: Plan): Promise<ScenarioResult> {
  const svc = new ServiceClient(hub.httpUrl, hub.connectionString);
  const devices = await createDevices(hub, plan.devices, 'bench-push');
  const sockets = await Promise.all(devices.map((d) => WsDevice.fromConnectionString(hub.wsUrl, d.cs)));
  const measured = await ramp(plan.c2dRates, plan.seconds, async (i) => {
    const d = i % devices.length;
    const socket = sockets[d] as WsDevice;
    const messageId = `p-${i}`;
    const pushed = socket.next((f) => f.type === 'c2d' && f.messageId === messageId, 30_000);
    await svc.sendCommand((devices[d] as { id: string }).id, { body: 'x', messageId });
    const frame = await pushed; // latency measured up to here: send to the device's socket
    socket.send({ action: 'complete', lockToken: frame.lockToken });
  });
  await Promise.all(sockets.map((s) => s.close()));
  return {
    scenario: `5b. C2D push: backend send → c2d frame on the device's WebSocket, ${devices.length} connected devices`,
    unit: 'commands/s',
    measured,
  };
}
