/**
 * Faults the emulators cannot produce (partial batch failures), injected by wrapping a real
 * client's send, with the router running in-process against the test hub's emulators.
 */
import { PutRecordsCommand, type KinesisClient, type PutRecordsCommandOutput } from '@aws-sdk/client-kinesis';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SendMessageBatchCommandOutput,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import { createAwsClients } from '../lib/adapters/aws/awsClients';
import { ServiceUnavailableError } from '../lib/errors';
import { DeviceTags } from '../lib/adapters/aws/routing/deviceTags';
import { readStream } from '../client/streamReader';
import type { Envelope } from '../lib/envelope';
import { senderFor } from '../lib/adapters/aws/routing/senders';
import type { DeadLetter } from '../lib/routing/deadLetter';
import type { Endpoint, EndpointHealth } from '../lib/routing/model';
import type { InputRecord } from '../lib/routing/plan';
import { Router } from '../lib/routing/router';
import { createActiveStream } from './support/emulatorResources';
import { endpoint as endpointOf, envelope, route } from '../lib/routing/testkit';
import { endpointResourceName, hubInfo, resourceName, uniqueId } from './support/hub';

hubInfo(); // points the SDK at the emulators
const clients = createAwsClients();
afterAll(() => {
  clients.sqs.destroy();
  clients.kinesis.destroy();
  clients.dynamo.destroy();
});

type Send = (command: unknown) => Promise<unknown>;
/** The real client with its send replaced (only for the commands `intercept` handles). */
function wrap<T extends { send: unknown }>(real: T, intercept: (command: unknown, realSend: Send) => Promise<unknown> | undefined): T {
  const realSend: Send = (c) => (real.send as Send).call(real, c);
  return new Proxy(real, {
    get(target, prop, receiver) {
      if (prop === 'send') return (c: unknown) => intercept(c, realSend) ?? realSend(c);
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
}

function records(devices: string[], perDevice: number): InputRecord[] {
  const out: InputRecord[] = [];
  for (let i = 0; i < perDevice; i++) {
    for (const deviceId of devices) {
      const n = out.length;
      out.push({
        id: String(1000 + n),
        eventId: `shard-0:${1000 + n}`,
        data: Buffer.from(JSON.stringify(envelope({ deviceId, properties: { n: String(n) } }))),
      });
    }
  }
  return out;
}

function routerFor(
  ep: Endpoint,
  sqs: SQSClient,
  kinesis: KinesisClient,
  sink: { health: EndpointHealth[]; letters: DeadLetter[]; failWrites?: boolean },
) {
  return new Router({
    loadConfig: async () => ({ config: { endpoints: [ep], routes: [route('all', ep.name, 'true')], enrichments: [] }, health: [] }),
    putHealth: async (h) => void sink.health.push(h),
    tags: { load: async () => undefined, lookup: () => undefined },
    senderFor: (e) => senderFor(e, { sqs, kinesis }),
    deadLetters: {
      write: async (letters) => {
        if (sink.failWrites) return new Set(letters.map((_, i) => i));
        sink.letters.push(...letters);
        return new Set();
      },
    },
    hubName: 'test-hub',
    cacheTtlMs: 60_000,
    maxAttempts: 4,
    retryBaseDelayMs: 5,
    deadAfterFailures: 3,
  });
}

const nOf = (body: string | undefined) => (JSON.parse(body ?? '{}') as Envelope).properties.n;

describe('partial failures (injected)', () => {
  it('re-sends only the failed entries of a partial SendMessageBatch failure; each message arrives once', async () => {
    const name = endpointResourceName(uniqueId('pf-q'));
    const url = (await clients.sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl ?? '';
    const calls: string[][] = [];
    let injected = false;
    const sqs = wrap(clients.sqs, (command, realSend) => {
      if (!(command instanceof SendMessageBatchCommand)) return undefined;
      const entries = command.input.Entries ?? [];
      calls.push(entries.map((e) => nOf(e.MessageBody) ?? '?'));
      if (injected) return undefined;
      injected = true;
      const failIds = new Set(['1', '4']);
      return (async () => {
        const out = (await realSend(
          new SendMessageBatchCommand({ ...command.input, Entries: entries.filter((e) => !failIds.has(e.Id ?? '')) }),
        )) as SendMessageBatchCommandOutput;
        return { ...out, Failed: [...failIds].map((Id) => ({ Id, Code: 'InternalError', Message: 'injected', SenderFault: false })) };
      })();
    });
    const sink = { health: [] as EndpointHealth[], letters: [] as DeadLetter[] };
    const ep = { ...endpointOf(name, 'sqs'), address: url };
    const input = records(['a', 'b', 'c'], 5);
    const result = await routerFor(ep, sqs, clients.kinesis, sink).routeBatch(input);

    expect(result).toMatchObject({ failedRecordIds: [], delivered: 15, deadLettered: 0 });
    expect(calls[0]).toHaveLength(10);
    expect(calls[1]).toEqual([calls[0]?.[1], calls[0]?.[4]]); // only the two failed entries
    expect(calls[2]).toHaveLength(5);
    expect(calls).toHaveLength(3);
    const received: string[] = [];
    for (let i = 0; i < 20 && received.length < 15; i++) {
      const out = await clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
      for (const m of out.Messages ?? []) received.push(nOf(m.Body) ?? '?');
      if (out.Messages?.length) {
        await clients.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: url,
            Entries: out.Messages.map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle ?? '' })),
          }),
        );
      }
    }
    expect(received.sort((x, y) => Number(x) - Number(y))).toEqual(Array.from({ length: 15 }, (_, i) => String(i)));
    expect(sink.health.at(-1)).toMatchObject({ endpoint: name, status: 'degraded', lastError: expect.stringMatching(/InternalError/) });
  });

  it('re-sends only the failed records of a partial PutRecords failure; each record arrives once', async () => {
    const name = endpointResourceName(uniqueId('pf-s'));
    await createActiveStream(clients.kinesis, name, 1);
    const calls: string[][] = [];
    let injected = false;
    const kinesis = wrap(clients.kinesis, (command, realSend) => {
      if (!(command instanceof PutRecordsCommand)) return undefined;
      const recs = command.input.Records ?? [];
      calls.push(recs.map((r) => nOf(Buffer.from(r.Data ?? new Uint8Array()).toString()) ?? '?'));
      if (injected) return undefined;
      injected = true;
      const fail = new Set([3, 7]);
      return (async () => {
        const out = (await realSend(
          new PutRecordsCommand({ ...command.input, Records: recs.filter((_, i) => !fail.has(i)) }),
        )) as PutRecordsCommandOutput;
        const stored = [...(out.Records ?? [])];
        const Records = recs.map((_, i) =>
          fail.has(i) ? { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'injected' } : stored.shift(),
        );
        return { ...out, FailedRecordCount: fail.size, Records };
      })();
    });
    const sink = { health: [] as EndpointHealth[], letters: [] as DeadLetter[] };
    const ep = { ...endpointOf(name, 'kinesis'), address: name };
    const input = records(['a', 'b'], 6);
    const result = await routerFor(ep, clients.sqs, kinesis, sink).routeBatch(input);

    expect(result).toMatchObject({ failedRecordIds: [], delivered: 12 });
    expect(calls).toHaveLength(2);
    expect(calls[1]).toEqual([calls[0]?.[3], calls[0]?.[7]]);
    const got: { n: string; key: string | undefined }[] = [];
    for await (const r of readStream(clients.kinesis, name, { from: { type: 'trim-horizon' }, limit: 12 })) {
      got.push({ n: nOf(Buffer.from(r.Data ?? new Uint8Array()).toString()) ?? '?', key: r.PartitionKey });
    }
    expect(got.map((g) => g.n).sort((x, y) => Number(x) - Number(y))).toEqual(Array.from({ length: 12 }, (_, i) => String(i)));
    expect(new Set(got.map((g) => g.key))).toEqual(new Set(['a', 'b'])); // partition key = device id
    expect(sink.health.at(-1)?.status).toBe('degraded');
  });

  it('dead-letters a poison record instead of failing the batch, and reports only records it could not dead-letter', async () => {
    const name = endpointResourceName(uniqueId('pf-p'));
    const url = (await clients.sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl ?? '';
    const ep = { ...endpointOf(name, 'sqs'), address: url };
    const input = records(['a'], 3);
    const poison: InputRecord = { id: '999', eventId: 'shard-0:999', data: Buffer.from('not json {') };
    const sink = { health: [] as EndpointHealth[], letters: [] as DeadLetter[] };
    const ok = await routerFor(ep, clients.sqs, clients.kinesis, sink).routeBatch([input[0] as InputRecord, poison, ...input.slice(1)]);
    expect(ok).toMatchObject({ failedRecordIds: [], delivered: 3, deadLettered: 1 });
    expect(sink.letters[0]).toMatchObject({ reason: 'MalformedRecord', endpoint: null, record: { sequenceNumber: '999' } });
    expect(Buffer.from(sink.letters[0]?.rawRecord ?? '', 'base64').toString()).toBe('not json {');

    const failing = { health: [] as EndpointHealth[], letters: [] as DeadLetter[], failWrites: true };
    const out = await routerFor(ep, clients.sqs, clients.kinesis, failing).routeBatch([input[0] as InputRecord, poison]);
    expect(out.failedRecordIds).toEqual(['999']);
  });

  it('dead-letters a message the endpoint refuses for its size (MessageRejected) without charging the endpoint health; the rest are delivered', async () => {
    const name = endpointResourceName(uniqueId('pf-big'));
    // A real queue that refuses messages over 2 KB: the emulator produces the poison answer itself.
    const url =
      (await clients.sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { MaximumMessageSize: '2048' } }))).QueueUrl ?? '';
    const ep = { ...endpointOf(name, 'sqs'), address: url };
    const input = records(['a', 'b'], 2);
    const big: InputRecord = {
      id: '2000',
      eventId: 'shard-0:2000',
      data: Buffer.from(JSON.stringify(envelope({ deviceId: 'a', properties: { n: 'big', pad: 'x'.repeat(4000) } }))),
    };
    const sink = { health: [] as EndpointHealth[], letters: [] as DeadLetter[] };
    const router = routerFor(ep, clients.sqs, clients.kinesis, sink);
    for (let round = 0; round < 4; round++) {
      const out = await router.routeBatch([...input.map((r) => ({ ...r, id: `${r.id}${round}` })), { ...big, id: `2000${round}` }]);
      expect(out).toMatchObject({ failedRecordIds: [], delivered: 4, deadLettered: 1 });
    }
    expect(sink.letters).toHaveLength(4);
    expect(sink.letters[0]).toMatchObject({ reason: 'MessageRejected', endpoint: name });
    // Four rounds with a poison message each: a rejection is not an outage.
    expect(sink.health.map((h) => h.status)).not.toContain('unhealthy');
    expect(sink.health.map((h) => h.status)).not.toContain('dead');
    expect(sink.health.at(-1)?.consecutiveFailures ?? 0).toBe(0);
  });
});

describe('twin tags unavailable (injected UnprocessedKeys)', () => {
  it('fails the batch for retry instead of routing the records as having no tags', async () => {
    const unprocessed = wrap(clients.dynamo, (command) => {
      if (!(command instanceof BatchGetCommand)) return undefined;
      const input = command.input.RequestItems ?? {};
      return Promise.resolve({ Responses: {}, UnprocessedKeys: input });
    });
    const tags = new DeviceTags(unprocessed, resourceName('DEVICES_TABLE'), 1000);
    await expect(tags.load(['dev-a'])).rejects.toThrow(ServiceUnavailableError);
    expect(tags.lookup('dev-a')).toBeUndefined(); // nothing cached as "no tags"

    const name = endpointResourceName(uniqueId('pf-tags'));
    const url = (await clients.sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl ?? '';
    const ep = { ...endpointOf(name, 'sqs'), address: url };
    const sink = { health: [] as EndpointHealth[], letters: [] as DeadLetter[] };
    const router = new Router({
      loadConfig: async () => ({
        config: { endpoints: [ep], routes: [route('untagged', ep.name, 'NOT IS_DEFINED($twin.tags.site)')], enrichments: [] },
        health: [],
      }),
      putHealth: async (h) => void sink.health.push(h),
      tags: { load: (ids) => tags.load(ids), lookup: tags.lookup },
      senderFor: (e) => senderFor(e, clients),
      deadLetters: { write: async (letters) => (sink.letters.push(...letters), new Set()) },
      hubName: 'test-hub',
      cacheTtlMs: 60_000,
      maxAttempts: 2,
      retryBaseDelayMs: 5,
      deadAfterFailures: 3,
    });
    await expect(router.routeBatch(records(['dev-a'], 1))).rejects.toThrow(ServiceUnavailableError);
    const received = await clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1 }));
    expect(received.Messages ?? []).toHaveLength(0); // not routed as "untagged"
  });
});
