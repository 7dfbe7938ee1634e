/** What the consumer-group tests share: clients on the test hub, devices that send numbered messages, collectors. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { createConsumer, type Batch, type ConsumerEvent, type ConsumerOptions, type GroupConsumer } from '../../consumer';
import type { DeviceClient } from '../../client/clients';
import type { Envelope } from '../../lib/envelope';
import { hubInfo, kinesis, newDevice, resourceName, uniqueId } from './hub';

export function dynamo(endpoint?: string): DynamoDBDocumentClient {
  hubInfo();
  return DynamoDBDocumentClient.from(
    new DynamoDBClient({ requestHandler: new NodeHttpHandler(), maxAttempts: 1, ...(endpoint ? { endpoint } : {}) }),
    {
      marshallOptions: { removeUndefinedValues: true },
    },
  );
}

export const tableName = () => resourceName('CHECKPOINTS_TABLE');

/** Devices of one test run; each sends numbered messages (property `n`), one request at a time. */
export class NumberedSenders {
  readonly run = uniqueId('cg');
  readonly acked = new Map<string, number[]>();
  private constructor(readonly devices: DeviceClient[]) {}

  static async create(count: number): Promise<NumberedSenders> {
    const devices: DeviceClient[] = [];
    for (let i = 0; i < count; i++) devices.push((await newDevice('cg')).client);
    return new NumberedSenders(devices);
  }

  /** Each device sends `count` more messages, in order, each after the previous one was acknowledged. */
  async send(count: number): Promise<void> {
    await Promise.all(
      this.devices.map(async (d) => {
        const list = this.acked.get(d.deviceId) ?? [];
        this.acked.set(d.deviceId, list);
        for (let i = 0; i < count; i++) {
          const n = list.length;
          await d.send({ body: `m${n}`, properties: { run: this.run, n: String(n) } });
          list.push(n);
        }
      }),
    );
  }

  total(): number {
    return [...this.acked.values()].reduce((a, l) => a + l.length, 0);
  }

  /** The (device, n) of one of this run's envelopes, or undefined for anything else. */
  identify(e: Envelope): { deviceId: string; n: number } | undefined {
    if (e.messageSource !== 'Telemetry' || e.properties.run !== this.run) return undefined;
    return { deviceId: e.deviceId, n: Number(e.properties.n) };
  }
}

/** One in-process instance of a group, recording what its handler got. */
export class Instance {
  readonly deliveries: { deviceId: string; n: number; shardId: string; seq: string }[] = [];
  readonly events: (ConsumerEvent & { at: number })[] = [];
  readonly consumer: GroupConsumer<Envelope>;

  constructor(
    readonly senders: NumberedSenders,
    o: Partial<ConsumerOptions> & { group: string },
    handler?: (batch: Batch) => Promise<void>,
  ) {
    this.consumer = createConsumer({
      kinesis: kinesis(),
      dynamo: dynamo(),
      streamName: resourceName('EVENTS_STREAM'),
      tableName: tableName(),
      leaseMs: 2000,
      idleMs: 100,
      shardSyncMs: 1000,
      handlerRetry: { baseMs: 50, maxMs: 400 },
      ...o,
      handler: async (batch, ctx) => {
        if (handler) await handler(batch);
        for (const r of batch.records) {
          const id = senders.identify(r.value);
          if (id) this.deliveries.push({ ...id, shardId: r.shardId, seq: r.sequenceNumber });
        }
        await o.handler?.(batch, ctx);
      },
      onEvent: (e) => this.events.push({ ...e, at: Date.now() }),
    });
  }

  owned(): string[] {
    return this.consumer.status().map((s) => s.shardId);
  }

  /** Distinct (device, n) delivered. */
  distinct(): Set<string> {
    return new Set(this.deliveries.map((d) => `${d.deviceId}#${d.n}`));
  }
}

export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every acknowledged message of `senders` is among `delivered` ("device#n"). */
export function missing(senders: NumberedSenders, delivered: Set<string>): string[] {
  const out: string[] = [];
  for (const [deviceId, ns] of senders.acked) for (const n of ns) if (!delivered.has(`${deviceId}#${n}`)) out.push(`${deviceId}#${n}`);
  return out;
}
