/**
 * The hub's metrics as CloudWatch would read them: the EMF lines printed on stdout, parsed back.
 * Each domain emission point is driven through its real code (in-memory stores and fakes for AWS).
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Authenticator } from './auth';
import { EMPTY_CHANGES } from './registry/changeFeed';
import type { EventStream } from './envelope';
import { CommandQueue } from './c2d/commandQueue';
import { QueueDepthExceededError } from './c2d/errors';
import { MemoryFeedback, MemoryStore } from './c2d/memoryStore';
import { FEEDBACK_STATUSES, type CommandContent } from './c2d/types';
import { TelemetryService } from './d2c/telemetryService';
import { captureEmf, captureOutput, parseEmf, total, type EmfLine } from './emfTestkit';
import { DIMENSION_VALUES } from './metricCatalogue';
import { MAX_VALUES_PER_LINE, METRIC_CATALOGUE, METRIC_NAMESPACE, MetricsRecorder, metrics } from './metrics';
import type { Policy } from './policies';
import { DeviceRateLimiter } from './rateLimit';
import type { Device } from './registry/device';
import { Router } from './routing/router';
import { config, endpoint, envelope, route } from './routing/testkit';
import { buildSasToken } from './sas';

describe('MetricsRecorder', () => {
  it('publishes one EMF line per dimension set, sums counts and keeps every distribution value', async () => {
    const lines = await captureEmf(() => {
      metrics.messagesAccepted('https', 1, 100);
      metrics.messagesAccepted('https', 3, 50);
      metrics.messagesAccepted('websocket', 2, 10);
      metrics.authFailure('BadSignature');
      metrics.add('C2dSent', 1);
    });
    expect(lines).toHaveLength(4);
    for (const l of lines) expect(l.namespace).toBe(METRIC_NAMESPACE);
    const https = lines.find((l) => l.dimensions.Transport === 'https');
    expect(https?.values).toEqual({ MessagesAccepted: 4, BytesAccepted: 150, BatchSize: [1, 3] });
    expect(https?.units).toEqual({ MessagesAccepted: 'Count', BytesAccepted: 'Bytes', BatchSize: 'Count' });
    expect(Object.keys(https?.dimensions ?? {}).sort()).toEqual(['Transport', 'service']);
    expect(total(lines, 'MessagesAccepted', { Transport: 'websocket' })).toBe(2);
    expect(lines.find((l) => l.values.AuthFailures !== undefined)?.dimensions.Reason).toBe('BadSignature');
    expect(Object.keys(lines.find((l) => l.values.C2dSent !== undefined)?.dimensions ?? {})).toEqual(['service']);
  });

  it('prints nothing when the invocation recorded nothing, and starts empty after a flush', async () => {
    expect(await captureEmf(() => undefined)).toEqual([]);
    await captureEmf(() => metrics.add('C2dSent', 1));
    expect(await captureEmf(() => undefined)).toEqual([]);
  });

  it('refuses dimensions the catalogue does not declare (a device id can never become one)', () => {
    const recorder = new MetricsRecorder(new Metrics({ namespace: METRIC_NAMESPACE }));
    expect(() => recorder.add('MessagesAccepted', 1, { Transport: 'https', DeviceId: 'd1' })).toThrow(/takes dimensions \[Transport\]/);
    expect(() => recorder.add('C2dSent', 1, { Transport: 'https' })).toThrow(/takes dimensions \[\]/);
    expect(() => recorder.add('RoutedCopies', 1)).toThrow(/Endpoint/);
  });

  it('refuses a dimension value the catalogue does not list (C2dSettled never counts an "Unknown" outcome)', () => {
    const recorder = new MetricsRecorder(new Metrics({ namespace: METRIC_NAMESPACE }));
    expect(() => recorder.add('C2dSettled', 1, { Outcome: 'Unknown' })).toThrow(/Outcome "Unknown" is not in the catalogue/);
    // @ts-expect-error: the type takes only catalogued outcomes (typecheck fails if it ever takes any string again)
    expect(() => recorder.c2dSettled('Unknown')).toThrow(/not in the catalogue/);
    expect(() => recorder.add('AuthFailures', 1, { Reason: 'Sunspots' })).toThrow(/Reason "Sunspots"/);
    expect(() => recorder.add('WsFrames', 1, { Action: 'dance' })).toThrow(/Action "dance"/);
    recorder.add('RoutedCopies', 1, { Endpoint: 'any-configured-endpoint' }); // one value per endpoint: not listed
  });

  it('lists every outcome a command can settle with as a C2dSettled Outcome, and no other', () => {
    expect([...DIMENSION_VALUES.Outcome].sort()).toEqual([...FEEDBACK_STATUSES].sort());
  });

  it('declares low-cardinality dimensions only', () => {
    const allowed = new Set(['Transport', 'Reason', 'Endpoint', 'Outcome', 'Action']);
    for (const [name, spec] of Object.entries(METRIC_CATALOGUE))
      for (const d of spec.dimensions) expect([name, allowed.has(d)]).toEqual([name, true]);
  });

  it('parses only EMF lines from mixed output', () => {
    expect(parseEmf('{"level":"INFO","message":"x"}\nplain text\n')).toEqual([]);
  });
});

describe('MetricsRecorder aggregates across the invocations of one instance', () => {
  const minute = 60_000;
  // Ten minutes ago, on a window boundary (CloudWatch accepts timestamps up to two weeks back).
  const t0 = Math.floor(Date.now() / minute) * minute - 10 * minute;
  function instance(flushIntervalMs = minute) {
    const clock = { now: t0 };
    const recorder = new MetricsRecorder(new Metrics({ namespace: METRIC_NAMESPACE }), { flushIntervalMs, now: () => clock.now });
    /** One invocation: `work` records, then the middleware ends the invocation; returns the lines printed. */
    const invoke = async (work: () => void): Promise<EmfLine[]> =>
      parseEmf(
        await captureOutput(() => {
          work();
          recorder.endInvocation();
        }),
      );
    return { clock, recorder, invoke };
  }

  it('publishes nothing while the window is open, then one line whose sums are the window total, stamped with its start', async () => {
    const { clock, recorder, invoke } = instance();
    for (let i = 0; i < 50; i++) {
      clock.now = t0 + i * 1000;
      expect(await invoke(() => recorder.messagesAccepted('https', 1, 100))).toEqual([]);
    }
    clock.now = t0 + minute + 5; // the next invocation, in the next window
    const lines = await invoke(() => undefined);
    expect(lines).toHaveLength(1);
    expect(lines[0]?.values).toEqual({
      MessagesAccepted: 50,
      BytesAccepted: 50 * 100,
      BatchSize: Array.from({ length: 50 }, () => 1),
    });
    expect(lines[0]?.timestamp).toBe(t0);
    expect(lines[0]?.dimensions).toEqual({ Transport: 'https', service: expect.any(String) });
    expect(await invoke(() => undefined)).toEqual([]); // published once
  });

  it('publishes only the windows that ended: the invocation that crosses keeps its own counts for the next window', async () => {
    const { clock, recorder, invoke } = instance();
    clock.now = t0 + 30_000;
    await invoke(() => recorder.add('C2dSent', 2));
    clock.now = t0 + minute + 1;
    const crossing = await invoke(() => recorder.add('C2dSent', 3));
    expect(crossing.map((l) => [l.timestamp, l.values.C2dSent])).toEqual([[t0, 2]]);
    clock.now = t0 + 2 * minute;
    const next = await invoke(() => undefined);
    expect(next.map((l) => [l.timestamp, l.values.C2dSent])).toEqual([[t0 + minute, 3]]);
  });

  it('publishes at once when a distribution fills a line (99 values: EMF takes 100, Powertools would split the 100th off), one line with all of them', async () => {
    const { clock, recorder, invoke } = instance();
    for (let i = 1; i < MAX_VALUES_PER_LINE; i++) {
      clock.now = t0 + i;
      expect(await invoke(() => recorder.messagesAccepted('https', 2, 10))).toEqual([]);
    }
    const lines = await invoke(() => recorder.messagesAccepted('https', 2, 10));
    expect(lines).toHaveLength(1);
    expect(lines[0]?.values.BatchSize).toHaveLength(MAX_VALUES_PER_LINE);
    expect(lines[0]?.values.MessagesAccepted).toBe(2 * MAX_VALUES_PER_LINE);
    expect(lines[0]?.timestamp).toBe(t0);
  });

  it('splits more values than a line holds over lines that keep their dimensions, sums only once', async () => {
    const { recorder } = instance();
    const lines = parseEmf(
      await captureOutput(() => {
        for (let i = 0; i < 250; i++) recorder.add('RecordsPerBatch', i);
        for (let i = 0; i < 120; i++) recorder.add('RouterBatchDuration', i);
        recorder.add('RouteMatches', 7);
        recorder.flush();
      }),
    );
    expect(
      lines.map((l) => [
        l.dimensions.service !== undefined,
        asArray(l.values.RecordsPerBatch).length,
        asArray(l.values.RouterBatchDuration).length,
      ]),
    ).toEqual([
      [true, 99, 99],
      [true, 99, 21],
      [true, 52, 0],
    ]);
    expect(lines.map((l) => l.values.RouteMatches)).toEqual([7, undefined, undefined]);
    expect(total(lines, 'RecordsPerBatch')).toBe((249 * 250) / 2);
    expect(total(lines, 'RouterBatchDuration')).toBe((119 * 120) / 2);
  });
  const asArray = (v: number | number[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

  it('keeps dimension sets apart within a window', async () => {
    const { clock, recorder, invoke } = instance();
    await invoke(() => recorder.messagesAccepted('https', 1, 10));
    await invoke(() => recorder.messagesAccepted('websocket', 4, 40));
    await invoke(() => recorder.messagesAccepted('https', 2, 20));
    await invoke(() => recorder.authFailure('Expired'));
    clock.now = t0 + minute;
    const lines = await invoke(() => undefined);
    expect(lines).toHaveLength(3);
    expect(lines.find((l) => l.dimensions.Transport === 'https')?.values).toEqual({
      MessagesAccepted: 3,
      BytesAccepted: 30,
      BatchSize: [1, 2],
    });
    expect(lines.find((l) => l.dimensions.Transport === 'websocket')?.values).toEqual({
      MessagesAccepted: 4,
      BytesAccepted: 40,
      BatchSize: 4,
    });
    expect(lines.find((l) => l.dimensions.Reason === 'Expired')?.values).toEqual({ AuthFailures: 1 });
  });

  it('decides that nothing is due without looking at what it holds (the same work per invocation however many dimension sets)', async () => {
    const { clock, recorder, invoke } = instance();
    clock.now = t0 + 1000;
    for (let i = 0; i < 200; i++) recorder.add('RoutedCopies', 1, { Endpoint: `ep-${i}` });
    for (let i = 1; i < MAX_VALUES_PER_LINE; i++) recorder.add('RecordsPerBatch', i); // one short of a full line
    // Every way to walk a Map, counted while the invocation ends inside the window.
    const walks = { count: 0 };
    const proto = Map.prototype as unknown as Record<string | symbol, (...args: unknown[]) => unknown>;
    const originals = (['values', 'keys', 'entries', 'forEach', Symbol.iterator] as const).map((k) => [k, proto[k]] as const);
    for (const [k, original] of originals)
      proto[k] = function (this: unknown, ...args: unknown[]) {
        walks.count++;
        return original?.apply(this, args);
      };
    try {
      clock.now = t0 + minute - 1;
      recorder.endInvocation();
    } finally {
      for (const [k, original] of originals) if (original) proto[k] = original;
    }
    expect(walks.count).toBe(0);
    // ...and it still publishes all of it once the window has ended, then nothing more.
    clock.now = t0 + minute;
    const lines = await invoke(() => undefined);
    expect(total(lines, 'RoutedCopies')).toBe(200);
    expect(asArray(lines.find((l) => l.values.RecordsPerBatch !== undefined)?.values.RecordsPerBatch)).toHaveLength(
      MAX_VALUES_PER_LINE - 1,
    );
    expect(await invoke(() => undefined)).toEqual([]);
  });

  it('after publishing a window, waits for the end of the next one held (and a filled line publishes at once only once)', async () => {
    const { clock, recorder, invoke } = instance();
    clock.now = t0 + 10;
    for (let i = 0; i < MAX_VALUES_PER_LINE; i++) recorder.add('RecordsPerBatch', 1);
    expect((await invoke(() => undefined)).map((l) => asArray(l.values.RecordsPerBatch).length)).toEqual([MAX_VALUES_PER_LINE]);
    expect(await invoke(() => recorder.add('RecordsPerBatch', 1))).toEqual([]); // a new line, not full
    clock.now = t0 + minute + 10; // window 0 ended; this invocation records into window 1
    expect((await invoke(() => recorder.add('C2dSent', 1))).map((l) => [l.timestamp, l.values.RecordsPerBatch])).toEqual([[t0, 1]]);
    clock.now = t0 + 2 * minute - 1;
    expect(await invoke(() => undefined)).toEqual([]);
    clock.now = t0 + 2 * minute;
    expect((await invoke(() => undefined)).map((l) => [l.timestamp, l.values.C2dSent])).toEqual([[t0 + minute, 1]]);
  });

  it('writes nothing when nothing was recorded, however much time passes', async () => {
    const { clock, invoke } = instance();
    expect(await invoke(() => undefined)).toEqual([]);
    clock.now = t0 + 10 * minute;
    expect(await invoke(() => undefined)).toEqual([]);
  });

  it('with an interval of 0 publishes after every invocation', async () => {
    const { recorder, invoke } = instance(0);
    expect((await invoke(() => recorder.add('C2dSent', 1))).map((l) => l.values)).toEqual([{ C2dSent: 1 }]);
    expect((await invoke(() => recorder.add('C2dSent', 1))).map((l) => l.values)).toEqual([{ C2dSent: 1 }]);
    expect(() => recorder.configure({ flushIntervalMs: -1 })).toThrow(/interval/);
  });
});

describe('device-to-cloud metrics', () => {
  const device = { deviceId: 'd1', generationId: 'g1' } as Device;
  const message = (size: number) => ({ body: Buffer.alloc(size), system: {}, properties: {} });

  it('counts messages, bytes and the batch size per transport once the stream write succeeded', async () => {
    const stream: EventStream = { putJson: async () => undefined };
    const service = new TelemetryService(stream);
    const lines = await captureEmf(async () => {
      await service.accept(device, [message(10), message(20)], 'https');
      await service.accept(device, [message(5)], 'websocket');
    });
    expect(total(lines, 'MessagesAccepted', { Transport: 'https' })).toBe(2);
    expect(total(lines, 'BytesAccepted', { Transport: 'https' })).toBe(30);
    expect(lines.find((l) => l.dimensions.Transport === 'https')?.values.BatchSize).toEqual(2);
    expect(total(lines, 'MessagesAccepted', { Transport: 'websocket' })).toBe(1);
  });

  it('counts nothing when the stream write fails (nothing was accepted)', async () => {
    const stream: EventStream = {
      putJson: async () => {
        throw new Error('kinesis down');
      },
    };
    const lines = await captureEmf(() => expect(new TelemetryService(stream).accept(device, [message(1)], 'https')).rejects.toThrow());
    expect(total(lines, 'MessagesAccepted')).toBe(0);
  });

  it('counts 429s of the per-device rate limit', async () => {
    const limiter = new DeviceRateLimiter(1, 1, () => 0);
    const lines = await captureEmf(() => {
      limiter.take('d1');
      expect(() => limiter.take('d1')).toThrow(/Too many requests/);
      expect(() => limiter.take('d1')).toThrow(/Too many requests/);
    });
    expect(total(lines, 'Throttled')).toBe(2);
  });
});

describe('authentication failure reasons', () => {
  const hub = 'hub.example.com';
  const key = Buffer.alloc(32, 1).toString('base64');
  const nowMs = 1_800_000_000_000;
  const devices: Record<string, Device> = {
    on: { deviceId: 'on', status: 'enabled', authentication: { symmetricKey: { primaryKey: key, secondaryKey: key } } } as Device,
    off: { deviceId: 'off', status: 'disabled', authentication: { symmetricKey: { primaryKey: key, secondaryKey: key } } } as Device,
  };
  const policy = { name: 'registryRead', primaryKey: key, secondaryKey: key, permissions: ['RegistryRead'] } as unknown as Policy;
  const auth = new Authenticator(
    {
      getDevice: async (id) => devices[id],
      readChanges: async () => EMPTY_CHANGES,
      getPolicy: async (name) => (name === policy.name ? policy : undefined),
    },
    { hubHostname: hub, cacheTtlMs: 0, devices: { ttlMs: 0, negativeTtlMs: 0, pollMs: 0, maxEntries: 10 }, now: () => nowMs },
  );
  const soon = nowMs / 1000 + 60;
  const deviceToken = (id: string, expiry = soon, k = key) => buildSasToken({ resource: `${hub}/devices/${id}`, keyBase64: k, expiry });
  const policyToken = (name: string, expiry = soon) => buildSasToken({ resource: hub, keyBase64: key, expiry, keyName: name });
  const other = Buffer.alloc(32, 2).toString('base64');

  it.each([
    ['MalformedToken', () => auth.authenticateDevice('Bearer x', 'on')],
    ['UnknownDevice', () => auth.authenticateDevice(deviceToken('ghost'), 'ghost')],
    ['DeviceDisabled', () => auth.authenticateDevice(deviceToken('off'), 'off')],
    ['BadSignature', () => auth.authenticateDevice(deviceToken('on', soon, other), 'on')],
    ['Expired', () => auth.authenticateDevice(deviceToken('on', nowMs / 1000 - 1), 'on')],
    ['UnknownPolicy', () => auth.authenticateService(policyToken('nobody'), 'RegistryRead')],
    ['Expired', () => auth.authenticateService(policyToken(policy.name, nowMs / 1000 - 1), 'RegistryRead')],
    ['MissingPermission', () => auth.authenticateService(policyToken(policy.name), 'RegistryWrite')],
  ])('%s', async (reason, attempt) => {
    const lines = await captureEmf(() => expect(attempt()).rejects.toThrow());
    expect(lines.filter((l) => l.values.AuthFailures !== undefined).map((l) => [l.dimensions.Reason, l.values.AuthFailures])).toEqual([
      [reason, 1],
    ]);
  });

  it('counts nothing for a valid token', async () => {
    const lines = await captureEmf(() => auth.authenticateDevice(deviceToken('on'), 'on'));
    expect(total(lines, 'AuthFailures')).toBe(0);
  });
});

describe('cloud-to-device metrics', () => {
  const device = { deviceId: 'dev', generationId: 'gen-1' };
  const content = (id: string, ack: CommandContent['ack'] = 'none'): CommandContent => ({ messageId: id, ack, properties: {} });
  let now = 1_000_000;
  const queue = () =>
    new CommandQueue(
      new MemoryStore(),
      new MemoryFeedback(),
      { maxDeliveryCount: 2, maxQueueDepth: 3, outboxGraceMs: 0 },
      { now: () => now },
    );

  it('counts sends, refusals of a full queue, deliveries per transport and every outcome', async () => {
    const q = queue();
    const lines = await captureEmf(async () => {
      for (const id of ['a', 'b', 'c']) await q.send(device, content(id), Buffer.from(id), now + 60_000);
      await expect(q.send(device, content('d'), Buffer.from('d'), now + 60_000)).rejects.toBeInstanceOf(QueueDepthExceededError);
      const a = await q.receive(device, 1000);
      await q.settleByDevice('dev', a?.lockToken ?? '', 'complete');
      const b = await q.receive(device, 1000, 'websocket');
      await q.settleByDevice('dev', b?.lockToken ?? '', 'reject');
      const c = await q.receive(device, 1000);
      await q.settleByDevice('dev', c?.lockToken ?? '', 'abandon'); // not an outcome
      await q.send(device, content('e'), Buffer.from('e'), now + 1000);
      await q.purge('dev'); // c and e
    });
    expect(total(lines, 'C2dSent')).toBe(4);
    expect(total(lines, 'C2dQueueFull')).toBe(1);
    expect(total(lines, 'C2dDelivered', { Transport: 'https' })).toBe(2);
    expect(total(lines, 'C2dDelivered', { Transport: 'websocket' })).toBe(1);
    expect(total(lines, 'C2dSettled', { Outcome: 'Success' })).toBe(1);
    expect(total(lines, 'C2dSettled', { Outcome: 'Rejected' })).toBe(1);
    expect(total(lines, 'C2dSettled', { Outcome: 'Purged' })).toBe(2);
    expect(total(lines, 'C2dSettled')).toBe(4);
  });

  it('counts Expired and DeliveryCountExceeded once each, from the sweeper and from a receive', async () => {
    const q = queue();
    await q.send(device, content('old'), Buffer.from('x'), now + 1000);
    await q.send(device, content('tired'), Buffer.from('y'), now + 600_000);
    const lines = await captureEmf(async () => {
      now += 2000; // 'old' expired
      for (let i = 0; i < 2; i++) {
        const r = await q.receive(device, 1000);
        expect(r?.messageId).toBe('tired');
        await q.settleByDevice('dev', r?.lockToken ?? '', 'abandon');
      }
      expect(await q.receive(device, 1000)).toBeUndefined(); // 'tired' has used its deliveries
      now += 120_000;
      await q.sweep({ maxRecords: 100, deadlineMs: Date.now() + 10_000 });
    });
    expect(total(lines, 'C2dSettled', { Outcome: 'Expired' })).toBe(1);
    expect(total(lines, 'C2dSettled', { Outcome: 'DeliveryCountExceeded' })).toBe(1);
    expect(total(lines, 'C2dSettled')).toBe(2);
  });
});

describe('router metrics', () => {
  function record(i: number, json: unknown = { n: i }) {
    return { id: String(i), eventId: `shard:${i}`, data: Buffer.from(JSON.stringify(envelope({ json }))) };
  }
  function router(failing: Set<string>, deadLetterQueueDown = false) {
    const letters: unknown[] = [];
    const r = new Router({
      loadConfig: async () => ({
        config: config({
          endpoints: [endpoint('good'), endpoint('bad')],
          routes: [route('toGood', 'good', '$body.n >= 0'), route('toBad', 'bad', '$body.n >= 2')],
        }),
        health: [],
      }),
      putHealth: async () => undefined,
      tags: { load: async () => undefined, lookup: () => undefined },
      senderFor: (e) => ({
        split: (m) => [[...m]],
        isPoison: () => false,
        send: async (batch) => new Map(failing.has(e.name) ? batch.map((_, i) => [i, { error: 'down', permanent: false }] as const) : []),
      }),
      deadLetters: {
        write: async (l) => {
          if (deadLetterQueueDown) return new Set(l.map((_, i) => i)); // none written
          letters.push(...l);
          return new Set<number>();
        },
      },
      hubName: 'hub',
      cacheTtlMs: 60_000,
      maxAttempts: 2,
      retryBaseDelayMs: 1,
      deadAfterFailures: 3,
      sleep: async () => undefined,
    });
    return { r, letters };
  }

  it('counts records per batch, matches, copies per endpoint, dead letters and the batch duration', async () => {
    const { r } = router(new Set(['bad']));
    const lines = await captureEmf(async () => {
      const result = await r.routeBatch([
        record(0),
        record(1),
        record(2),
        record(3),
        { id: '9', eventId: 's:9', data: Buffer.from('nope') },
      ]);
      expect(result.deadLettered).toBe(3); // two failed copies for "bad", one malformed record
    });
    expect(lines.find((l) => l.values.RecordsPerBatch !== undefined)?.values.RecordsPerBatch).toBe(5);
    expect(total(lines, 'RouteMatches')).toBe(4);
    expect(total(lines, 'RoutedCopies', { Endpoint: 'good' })).toBe(4);
    expect(total(lines, 'RoutedCopies', { Endpoint: 'bad' })).toBe(0);
    expect(total(lines, 'DeadLettered')).toBe(3);
    expect(published(lines, 'RecordsRetried')).toBe(false); // nothing handed back: no data point, not a zero
    const duration = lines.find((l) => l.values.RouterBatchDuration !== undefined);
    expect(duration?.units.RouterBatchDuration).toBe('Milliseconds');
    expect(typeof duration?.values.RouterBatchDuration).toBe('number');
  });

  // A series that gets a zero is billed for that hour like any other (cost/metricHours.ts counts these as failure metrics).
  const published = (lines: EmfLine[], name: string) => lines.some((l) => l.values[name] !== undefined);

  it('publishes no failure counter for a batch without failures, not even a zero', async () => {
    const { r } = router(new Set());
    const lines = await captureEmf(async () => {
      expect((await r.routeBatch([record(0), record(1)])).deadLettered).toBe(0);
    });
    expect(total(lines, 'RoutedCopies', { Endpoint: 'good' })).toBe(2);
    expect(published(lines, 'RouteMatches')).toBe(true);
    expect(published(lines, 'DeadLettered')).toBe(false);
    expect(published(lines, 'RecordsRetried')).toBe(false);
  });

  it('counts the records handed back to Lambda when the dead-letter queue cannot take them', async () => {
    const { r } = router(new Set(['bad']), true);
    const lines = await captureEmf(async () => {
      const result = await r.routeBatch([record(2), record(3), record(4)]);
      expect(result.failedRecordIds).toEqual(['2', '3', '4']);
    });
    expect(total(lines, 'RecordsRetried')).toBe(3);
    expect(published(lines, 'DeadLettered')).toBe(false);
  });
});
