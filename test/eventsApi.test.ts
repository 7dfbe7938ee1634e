/**
 * The service APIs the web console relies on, through serverless offline: GET /events (the
 * built-in stream from a caller-kept position), GET /auth/policy, GET /devices/{id}/commands,
 * POST /feedback/receive, and the console's static files with their security headers.
 */
import { httpCall } from '../client/http';
import { decodePosition, encodePosition } from '../lib/events/position';
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { hubInfo, injectFault, kinesis, newDevice, resourceName, service } from './support/hub';
import { nowSeconds, policyToken, readPolicies } from './support/security';

interface EventsAnswer {
  messages: {
    shardId: string;
    sequenceNumber: string;
    arrivalTime: string;
    envelope: { deviceId: string; messageSource: string; properties: Record<string, string>; body: string } | null;
  }[];
  position: string;
  millisBehindLatest: number;
}

const owner = () => service().authorization();

async function get(path: string, authorization: string | null = owner()) {
  return httpCall(`${hubInfo().httpUrl}${path}`, { method: 'GET', headers: authorization ? { authorization } : {} });
}

async function readUntil(position: string, deviceId: string, count: number, timeoutMs = 15_000) {
  const found: EventsAnswer['messages'] = [];
  const deadline = Date.now() + timeoutMs;
  let pos = position;
  while (found.length < count && Date.now() < deadline) {
    const res = await get(`/events?position=${pos}&deviceId=${encodeURIComponent(deviceId)}&top=2`);
    expect(res.status).toBe(200);
    const body = res.json<EventsAnswer>();
    found.push(...body.messages.filter((m) => m.envelope?.messageSource === 'Telemetry'));
    pos = body.position;
    if (body.messages.length === 0) await new Promise((r) => setTimeout(r, 200));
  }
  return { found, position: pos };
}

describe('GET /events', () => {
  it('starts at latest, then returns what arrived after, in order, resuming exactly where the kept position says', async () => {
    const start = await get('/events?from=latest');
    expect(start.status).toBe(200);
    const first = start.json<EventsAnswer>();
    expect(first.position).toMatch(/^[A-Za-z0-9_-]+$/);

    const d = await newDevice('events');
    const other = await newDevice('events-other');
    for (let i = 0; i < 5; i++) {
      await d.client.send({ body: JSON.stringify({ temp: 20 + i }), contentType: 'application/json', properties: { seq: String(i) } });
      await other.client.send({ body: 'noise' });
    }
    // top=2 per call: several calls, each continuing from the position the last one returned.
    const { found, position } = await readUntil(first.position, d.device.deviceId, 5);
    expect(found.map((m) => m.envelope?.properties.seq)).toEqual(['0', '1', '2', '3', '4']);
    expect(found.every((m) => m.envelope?.deviceId === d.device.deviceId)).toBe(true);
    expect(Buffer.from(found[0]?.envelope?.body ?? '', 'base64').toString()).toBe('{"temp":20}');

    // Nothing is returned twice: the kept position is past all of them.
    const again = await get(`/events?position=${position}&deviceId=${encodeURIComponent(d.device.deviceId)}`);
    expect(again.json<EventsAnswer>().messages).toEqual([]);

    // A position without its shard iterator (as after 5 minutes) reopens from the sequence number.
    const stale = decodePosition(position);
    for (const p of Object.values(stale)) {
      delete p.iterator;
      delete p.iteratorAtMs;
    }
    await d.client.send({ body: 'after', properties: { seq: '5' } });
    const resumed = await readUntil(encodePosition(stale), d.device.deviceId, 1);
    expect(resumed.found.map((m) => m.envelope?.properties.seq)).toEqual(['5']);
  });

  it('reads from the start of the stream with from=trim-horizon, and from a time with from=<ISO time>', async () => {
    // With top=1, trim-horizon gives each shard's first record, as any Kinesis consumer sees them.
    const stream = resourceName('EVENTS_STREAM');
    const firsts: string[] = [];
    for (const shard of (await kinesis().send(new ListShardsCommand({ StreamName: stream }))).Shards ?? []) {
      const it = await kinesis().send(
        new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
      );
      const record = (await kinesis().send(new GetRecordsCommand({ ShardIterator: it.ShardIterator, Limit: 1 }))).Records?.[0];
      if (record?.SequenceNumber) firsts.push(record.SequenceNumber);
    }
    expect(firsts.length).toBeGreaterThan(0);
    const fromStart = (await get('/events?from=trim-horizon&top=1')).json<EventsAnswer>();
    expect(fromStart.messages.map((m) => m.sequenceNumber).sort()).toEqual(firsts.sort());

    const since = new Date(Date.now() - 1000).toISOString();
    const d = await newDevice('events-at');
    await d.client.send({ body: 'x', properties: { seq: 'at' } });
    const start = (
      await get(`/events?from=${encodeURIComponent(since)}&deviceId=${encodeURIComponent(d.device.deviceId)}&top=1000`)
    ).json<EventsAnswer>();
    const found = start.messages.filter((m) => m.envelope?.messageSource === 'Telemetry');
    const rest = found.length > 0 ? { found } : await readUntil(start.position, d.device.deviceId, 1);
    expect(rest.found[0]?.envelope?.properties.seq).toBe('at');
  });

  it('refuses bad input with 400 ArgumentInvalid', async () => {
    for (const path of [
      '/events?position=not-a-position',
      `/events?position=${Buffer.from('{"v":1,"s":{"shardId-000000000000":["12x",0,"",0,0]}}').toString('base64url')}`,
      `/events?position=${Buffer.from('{"v":2}').toString('base64url')}`,
      '/events?from=yesterday',
      '/events?top=0',
      '/events?top=1001',
      `/events?deviceId=${'x'.repeat(200)}`,
    ]) {
      const res = await get(path);
      expect([path, res.status, res.headers['iothub-errorcode']]).toEqual([path, 400, 'ArgumentInvalid']);
    }
    // A well-formed sequence number that is not of this stream.
    const foreign = encodePosition({ 'shardId-000000000000': { after: '1' } });
    const res = await get(`/events?position=${foreign}`);
    expect(res.status).toBe(400);
    expect(res.text()).toMatch(/does not belong to this stream/);
  });

  it('answers 429 with Retry-After when Kinesis throttles the reads (5 per second per shard, shared with the router)', async () => {
    const position = (await get('/events?from=trim-horizon&top=1')).json<EventsAnswer>().position;
    const clear = await injectFault('kinesis', {
      operation: 'GetRecords',
      mode: 'error',
      status: 400,
      errorCode: 'ProvisionedThroughputExceededException',
      count: 1000,
    });
    try {
      const res = await get(`/events?position=${position}`);
      expect(res.status).toBe(429);
      expect(res.headers['retry-after']).toBe('1');
    } finally {
      await clear();
    }
    expect((await get(`/events?position=${position}`)).status).toBe(200);
  });

  it('needs ServiceConnect: 401 without a valid token, 403 for a policy without it', async () => {
    const policies = await readPolicies();
    const registryRead = policies.get('registryRead');
    const svc = policies.get('service');
    if (!registryRead || !svc) throw new Error('built-in policies missing');
    expect((await get('/events', null)).status).toBe(401);
    expect((await get('/events', policyToken(svc, nowSeconds() - 5))).status).toBe(401);
    const refused = await get('/events', policyToken(registryRead));
    expect(refused.status).toBe(403);
    expect(refused.headers['iothub-errorcode']).toBe('IotHubUnauthorizedAccess');
    expect((await get('/events', policyToken(svc))).status).toBe(200);
  });
});

describe('GET /auth/policy', () => {
  it('names the calling policy and its permissions, never a key', async () => {
    const policies = await readPolicies();
    const expected: Record<string, string[]> = {
      iothubowner: ['RegistryRead', 'RegistryWrite', 'ServiceConnect'],
      service: ['ServiceConnect'],
      registryRead: ['RegistryRead'],
      registryReadWrite: ['RegistryRead', 'RegistryWrite'],
    };
    for (const [name, permissions] of Object.entries(expected)) {
      const policy = policies.get(name);
      if (!policy) throw new Error(`no ${name}`);
      const res = await get('/auth/policy', policyToken(policy));
      expect(res.status).toBe(200);
      expect(res.json()).toMatchObject({ policy: name, permissions });
      expect(res.text()).not.toContain(policy.primaryKey);
    }
    expect((await get('/auth/policy', null)).status).toBe(401);
    const owner = policies.get('iothubowner');
    if (!owner) throw new Error('no owner');
    expect((await get('/auth/policy', policyToken(owner, nowSeconds() - 1))).status).toBe(401);
  });
});

describe('commands as a sender follows them', () => {
  it('lists pending commands with their state and hands back the feedback of named commands only', async () => {
    const svc = service();
    const d = await newDevice('cmdlist');
    const id = encodeURIComponent(d.device.deviceId);
    const a = await svc.sendCommand(d.device.deviceId, { body: 'a', messageId: 'cmd-a', ack: 'full' });
    await svc.sendCommand(d.device.deviceId, { body: 'b', messageId: 'cmd-b', ack: 'full' });
    let list = (await get(`/devices/${id}/commands`)).json<{ messageId: string; state: string; deliveryCount: number }[]>();
    expect(list.map((c) => [c.messageId, c.state])).toEqual([
      ['cmd-a', 'Enqueued'],
      ['cmd-b', 'Enqueued'],
    ]);
    const received = await d.client.receive();
    expect(received?.messageId).toBe(a.messageId);
    list = (await get(`/devices/${id}/commands`)).json();
    expect(list[0]).toMatchObject({ messageId: 'cmd-a', state: 'Invisible', deliveryCount: 1 });
    await d.client.complete(received?.lockToken ?? '');
    await svc.purgeCommands(d.device.deviceId);
    expect((await get(`/devices/${id}/commands`)).json()).toEqual([]);

    // Only cmd-a's feedback is taken; cmd-b's (Purged) stays on the queue for other readers.
    const feedback: { originalMessageId: string; statusCode: string }[] = [];
    const deadline = Date.now() + 15_000;
    while (feedback.length === 0 && Date.now() < deadline) {
      const res = await httpCall(`${hubInfo().httpUrl}/feedback/receive`, {
        method: 'POST',
        headers: { authorization: owner(), 'content-type': 'application/json' },
        body: JSON.stringify({ originalMessageIds: ['cmd-a'] }),
      });
      expect(res.status).toBe(200);
      feedback.push(...res.json<typeof feedback>());
    }
    expect(feedback.map((f) => [f.originalMessageId, f.statusCode])).toEqual([['cmd-a', 'Success']]);
    const rest: typeof feedback = [];
    const until = Date.now() + 15_000;
    while (rest.length === 0 && Date.now() < until) {
      const res = await httpCall(`${hubInfo().httpUrl}/feedback/receive`, {
        method: 'POST',
        headers: { authorization: owner(), 'content-type': 'application/json' },
        body: JSON.stringify({ originalMessageIds: ['cmd-b'] }),
      });
      rest.push(...res.json<typeof feedback>());
    }
    expect(rest.map((f) => [f.originalMessageId, f.statusCode])).toEqual([['cmd-b', 'Purged']]);
  });

  it('refuses bad feedback requests and policies without ServiceConnect', async () => {
    const bad = await httpCall(`${hubInfo().httpUrl}/feedback/receive`, {
      method: 'POST',
      headers: { authorization: owner(), 'content-type': 'application/json' },
      body: JSON.stringify({ originalMessageIds: [] }),
    });
    expect(bad.status).toBe(400);
    const registryRead = (await readPolicies()).get('registryRead');
    if (!registryRead) throw new Error('no registryRead');
    const d = await newDevice('cmdlist-403');
    expect((await get(`/devices/${encodeURIComponent(d.device.deviceId)}/commands`, policyToken(registryRead))).status).toBe(403);
    expect((await get('/devices/no-such-device-xyz/commands')).status).toBe(404);
  });
});

describe('the console files', () => {
  it('serves the page and its assets with a strict CSP, validators and no third-party origin', async () => {
    const page = await get('/console', null);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const csp = page.headers['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.text()).not.toMatch(/<script>|<script [^>]*>[^<]|\son[a-z]+=/i);
    const js = await get('/console/app.js', null);
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toMatch(/^text\/javascript/);
    const etag = js.headers.etag ?? '';
    expect(etag).toMatch(/^".+"$/);
    const revalidated = await httpCall(`${hubInfo().httpUrl}/console/app.js`, { method: 'GET', headers: { 'if-none-match': etag } });
    expect(revalidated.status).toBe(304);
    expect((await get('/console/app.css', null)).headers['content-type']).toMatch(/^text\/css/);
    for (const path of ['/console/nope.js', '/console/..%2Fpackage.json', '/console/.env']) {
      const res = await get(path, null);
      expect([path, res.status]).toEqual([path, 404]);
    }
  });
});
