/**
 * The fault schedule: a fixed cycle of faults, each bounded in count or time, repeated for
 * the length of the load. Positions are fractions of the cycle, so the short run (one cycle)
 * and the soak (many) inject the same kinds of fault.
 */
import type { SoakHub } from './soakHub';
import { sleep, type SoakContext } from './context';

type ProxyService = 'dynamodb' | 'kinesis' | 'sqs';

interface FaultRuleInput {
  operation: string;
  mode: 'error' | 'partial';
  count?: number;
  match?: string;
}

export interface FaultLogEntry {
  atSeconds: number;
  fault: string;
  ms: number;
}

export class FaultInjector {
  readonly history: FaultLogEntry[] = [];

  constructor(
    private readonly soak: SoakHub,
    private readonly ctx: SoakContext,
  ) {}

  private proxy(service: ProxyService): string {
    const url = this.soak.hub.faultProxies?.[service];
    if (!url) throw new Error('the soak hub runs without fault proxies');
    return url;
  }

  async inject(service: ProxyService, rule: FaultRuleInput): Promise<void> {
    const res = await fetch(`${this.proxy(service)}/__devhub/faults`, { method: 'POST', body: JSON.stringify(rule) });
    if (!res.ok) throw new Error(`fault proxy answered ${res.status}`);
  }

  /** How many calls the active rules of a proxy affected. */
  async fired(service: ProxyService): Promise<number> {
    const rules = (await (await fetch(`${this.proxy(service)}/__devhub/faults`)).json()) as { fired?: number }[];
    return rules.reduce((n, r) => n + (r.fired ?? 0), 0);
  }

  /** Stops an emulator, leaves it down for `downMs` (clients see connection errors), starts it on its data. */
  async outage(name: 'dynamodb' | 'kinesis', downMs: number): Promise<void> {
    await this.soak.hub.processes.get(name)?.stop();
    await sleep(downMs);
    await this.soak.hub.restart(name);
  }

  async clear(service: ProxyService): Promise<void> {
    await fetch(`${this.proxy(service)}/__devhub/faults`, { method: 'DELETE' });
  }

  /** The cycle's steps: [position in the cycle (0..1), name, action]. */
  private steps(cycleMs: number): [number, string, () => Promise<void>][] {
    const { hub, targets } = this.soak;
    const queueName = targets.sqsUrl.split('/').pop() ?? '';
    return [
      [
        0.08,
        'PutRecords partial failures x4 (D2C stream writes and the Kinesis endpoint)',
        () => this.inject('kinesis', { operation: 'PutRecords', mode: 'partial', count: 4 }),
      ],
      [
        0.14,
        'SendMessageBatch partial failures x4 (SQS and FIFO endpoints, dead letters)',
        () => this.inject('sqs', { operation: 'SendMessageBatch', mode: 'partial', count: 4 }),
      ],
      [
        0.2,
        'poller killed (SIGKILL) mid-run and restarted',
        async () => {
          hub.processes.get('poller')?.child.kill('SIGKILL');
          await sleep(300);
          await hub.restart('poller');
        },
      ],
      [
        0.27,
        'DynamoDB conditional writes: UpdateItem/PutItem applied but answered 500 x3 each, UpdateItem errors x3',
        async () => {
          await this.inject('dynamodb', { operation: 'UpdateItem', mode: 'partial', count: 3 });
          await this.inject('dynamodb', { operation: 'PutItem', mode: 'partial', count: 3 });
          await this.inject('dynamodb', { operation: 'UpdateItem', mode: 'error', count: 3 });
        },
      ],
      [0.36, 'kinesalite stopped for 3 s and restarted on its data', () => this.outage('kinesis', 3000)],
      [
        0.48,
        `SQS endpoint rejects everything for ${Math.round(cycleMs * 0.12) / 1000} s, then recovers; dead letters redriven`,
        async () => {
          await this.inject('sqs', { operation: 'SendMessageBatch', mode: 'error', match: `/${queueName}"` });
          await sleep(cycleMs * 0.12);
          this.ctx.log(`SQS endpoint outage: ${await this.fired('sqs')} calls refused`);
          await this.clear('sqs');
          await sleep(1500);
          const r = await this.soak.routing.redrive();
          this.ctx.log(`redrive after the SQS outage: ${JSON.stringify(r)}`);
        },
      ],
      [0.7, 'dynalite stopped for 3 s and restarted on its data', () => this.outage('dynamodb', 3000)],
      [0.84, 'poller stopped (SIGTERM) and restarted', () => hub.restart('poller')],
    ];
  }

  /** Cycles whose every step ran and whose time is up. */
  completedCycles = 0;

  /** Runs cycles until the load is over; each step starts at its position in its cycle. */
  async run(cycleMs: number, startedAt: number): Promise<void> {
    for (let cycle = 0; !this.ctx.loadOver(); cycle++) {
      for (const [at, name, action] of this.steps(cycleMs)) {
        const due = startedAt + (cycle + at) * cycleMs;
        while (Date.now() < due && !this.ctx.loadOver()) await sleep(Math.min(200, due - Date.now()));
        if (this.ctx.loadOver()) return;
        const t0 = Date.now();
        try {
          await action();
        } catch (err) {
          this.ctx.log(`fault "${name}" failed: ${err instanceof Error ? err.message : String(err)}`);
        }
        this.history.push({ atSeconds: Math.round((t0 - startedAt) / 100) / 10, fault: name, ms: Date.now() - t0 });
        this.ctx.log(`fault at ${((t0 - startedAt) / 1000).toFixed(1)} s: ${name} (${Date.now() - t0} ms)`);
      }
      const cycleEnd = startedAt + (cycle + 1) * cycleMs;
      while (Date.now() < cycleEnd && !this.ctx.loadOver()) await sleep(200);
      if (Date.now() >= cycleEnd) this.completedCycles++;
    }
  }
}
