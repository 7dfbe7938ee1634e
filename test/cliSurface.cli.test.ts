/**
 * The CLI's surface as a script sees it, run as a user runs it (bin/devhub.js against the test
 * hub): generated --help on every command, usage errors (one line, exit 2), --json shapes, and
 * shell completion.
 */
import { CreateQueueCommand, DeleteQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_PORTS } from './support/config';
import { devhub, type CliRun } from './support/cli';
import { newDevice, resourceName, uniqueId } from './support/hub';

/** The subcommand names a help text lists under "Commands:" (its generated help). */
function subcommands(help: string): string[] {
  const section = help.split(/^Commands:\n/m)[1] ?? '';
  const names: string[] = [];
  for (const line of section.split('\n')) {
    if (line.trim() === '' || !line.startsWith('  ')) break;
    const name = /^ {2}(\S+)/.exec(line)?.[1];
    if (name && name !== 'help') names.push(name);
  }
  return names;
}

/** Runs the CLI a few at a time (each run is a node process). */
async function inBatches<T>(items: T[], run: (item: T) => Promise<CliRun>, size = 6): Promise<CliRun[]> {
  const out: CliRun[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(run))));
  return out;
}

/** stdout as JSON lines (stderr is for logs); the run must have succeeded. */
function jsonLines(run: CliRun): unknown[] {
  expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
  return run.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as unknown);
}

/** stdout as exactly one compact JSON line. */
function jsonResult(run: CliRun): unknown {
  const lines = jsonLines(run);
  expect(lines).toHaveLength(1);
  return lines[0];
}

describe('devhub --help', () => {
  it('every command and subcommand has generated help (exit 0, its own usage line), found by walking the tree', async () => {
    const seen: string[] = [];
    // Breadth first: each level's helps, a few at a time; their "Commands:" give the next level.
    for (let level: string[][] = [[]]; level.length > 0;) {
      const runs = await inBatches(level, (path) => devhub(...path, '--help'));
      const next: string[][] = [];
      for (const [i, path] of level.entries()) {
        const run = runs[i] as CliRun;
        expect({ path, code: run.code }).toEqual({ path, code: 0 });
        expect(run.stdout).toMatch(new RegExp(`^Usage: ${['devhub', ...path].join(' ')} `));
        expect(run.stdout).toContain('--json'); // the global option, shown in every help
        seen.push(path.join(' '));
        next.push(...subcommands(run.stdout).map((name) => [...path, name]));
      }
      level = next;
    }
    // The walk found the whole tree (it would find nothing if the help stopped listing commands).
    for (const path of [
      'device create',
      'device connection-string',
      'send',
      'listen',
      'tail',
      'status',
      'consume',
      'groups list',
      'groups reset',
      'init',
      'endpoint health',
      'route fallback',
      'route test',
      'enrichment remove',
      'deadletter redrive',
      'routing failures list',
      'routing failures replay',
      'c2d send',
      'c2d abandon',
      'feedback tail',
      'completion',
    ])
      expect(seen).toContain(path);
    expect(seen.length).toBeGreaterThanOrEqual(50);
  });

  it('`devhub help <command>` is the same help', async () => {
    const viaHelp = await devhub('help', 'device');
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.stdout).toBe((await devhub('device', '--help')).stdout);
  });
});

describe('usage errors', () => {
  it('are one devhub: line naming the problem, a pointer to the help, and exit 2 (before the hub is asked)', async () => {
    const cases: [string[], RegExp][] = [
      [['frobnicate'], /^devhub: unknown command "frobnicate"/],
      [['device', 'frobnicate'], /^devhub: unknown command "frobnicate"/],
      [['device', 'create'], /^devhub: missing required argument "device-id"/],
      [['device', 'create', 'a', 'b'], /^devhub: too many arguments for "create"/],
      [['device', 'show', 'x', '--bogus'], /^devhub: unknown option "--bogus"/],
      [['device', 'list', '--top', '0'], /^devhub: option "--top <n>" argument "0" is invalid\. must be an integer in 1\.\.1000/],
      [['device', 'list', '--top', '2.5'], /--top <n>.*must be an integer in 1\.\.1000/],
      [['device', 'create', 'x', '--tags', '{nope'], /--tags <json>.*must be JSON/],
      [['send', '--property', 'novalue', 'hi'], /--property <k=v>.*expects k=v, got "novalue"/],
      [
        ['send', '--device', 'a', '--device-connection-string', 'b', 'hi'],
        /--device <id>.*cannot be used with.*--device-connection-string/,
      ],
      [['send', 'hi'], /^devhub: give --device <id> or --device-connection-string <cs>/],
      [
        ['listen', '--auto', 'sometimes', '--device', 'a'],
        /--auto <outcome>.*"sometimes" is invalid\. Allowed choices are complete, reject, abandon, none/,
      ],
      [['listen', '--ping-seconds', '-1', '--device', 'a'], /--ping-seconds <n>.*must be a positive number/],
      [['tail', '--from', 'yesterday-ish'], /--from <position>.*--from must be trim-horizon, latest or an ISO time/],
      [['tail', '--raw', '--human'], /"--raw" cannot be used with option "--human"/],
      [['tail', '--json', '--human'], /^devhub: --json and --human exclude each other/],
      [['consume'], /^devhub: required option "--group <name>" not specified/],
      [['consume', '--group', 'no spaces'], /--group <name>.*must be 1-128 letters/],
      [['consume', '--group', 'g', '--lease-ms', '10'], /--lease-ms <n>.*500\.\.3600000/],
      [['groups', 'reset', 'g'], /^devhub: required option "--to <position>" not specified/],
      [['groups', 'reset', 'g', '--to', 'soon'], /--to <position>.*position must be trim-horizon, latest or an ISO time/],
      [['init', '--stage', 'dev'], /^devhub: required option "--hostname <host>" not specified/],
      [['endpoint', 'add', 'e', '--type', 'ftp', '--target', 't'], /--type <type>.*Allowed choices are sqs, sqs-fifo, kinesis/],
      [['endpoint', 'add', 'e', '--type', 'sqs'], /required option "--target <target>" not specified/],
      [['route', 'add', 'r'], /required option "--endpoint <name>" not specified/],
      [['route', 'add', 'r', '--endpoint', 'e', '--source', 'Twins'], /--source <source>.*Allowed choices are DeviceMessages/],
      [['route', 'fallback'], /^devhub: missing endpoint name \(or --off\)/],
      [['route', 'test', '--message', 'm.json'], /^devhub: give one of --condition and --route/],
      [
        ['route', 'test', '--message', 'm.json', '--condition', 'true', '--route', 'r'],
        /"--condition <expr>" cannot be used with option "--route <name>"/,
      ],
      [['enrichment', 'add', '--endpoint', 'e', '--key', 'k'], /required option "--value <v>" not specified/],
      [['deadletter', 'list', '--top', '1001'], /--top <n>.*1\.\.1000/],
      [['routing', 'failures', 'replay'], /^devhub: replay needs --all or --start <sequence number>/],
      [['c2d', 'send', 'd', 'x', '--ack', 'maybe'], /--ack <mode>.*Allowed choices are none, positive, negative, full/],
      [['c2d', 'send', 'd', 'x', '--ttl', '0'], /--ttl <seconds>.*1\.\.172800/],
      [['c2d', 'receive', '--device', 'd', '--lock-timeout', 'x'], /--lock-timeout <seconds>.*1\.\.3600/],
      [['c2d', 'complete', '--device', 'd'], /missing required argument "lock-token"/],
      [['feedback', 'tail', '--follow', 'extra'], /too many arguments for "tail"/],
      [['completion', 'tcsh'], /"tcsh" is invalid for argument "shell"\. Allowed choices are zsh, bash, fish, powershell/],
    ];
    const runs = await inBatches(cases, ([args]) => devhub(...args));
    for (const [i, [args, message]] of cases.entries()) {
      const run = runs[i] as CliRun;
      expect({ args, code: run.code, stdout: run.stdout }).toEqual({ args, code: 2, stdout: '' });
      const lines = run.stderr.trimEnd().split('\n');
      expect({ args, first: lines[0] }).toEqual({ args, first: expect.stringMatching(message) });
      if (lines.length > 1)
        expect({ args, hint: lines.slice(1) }).toEqual({ args, hint: [expect.stringMatching(/^\(devhub .*--help for usage\)$/)] });
    }
  });

  it('a command group without its subcommand prints its help on stderr and exits 2', async () => {
    for (const group of ['device', 'c2d', 'route', 'groups', 'routing']) {
      const run = await devhub(group);
      expect({ group, code: run.code, stdout: run.stdout }).toEqual({ group, code: 2, stdout: '' });
      expect(run.stderr).toMatch(new RegExp(`^Usage: devhub ${group} `));
    }
    expect((await devhub()).code).toBe(2);
  });
});

describe('--json', () => {
  it('device, send and c2d results are one JSON object per line', async () => {
    const id = uniqueId('clijson');
    const created = jsonResult(await devhub('device', 'create', id, '--tags', '{"site":"oslo"}', '--json')) as {
      device: { deviceId: string; tags: unknown; authentication: { symmetricKey: { primaryKey: string } } };
      connectionString: string;
    };
    expect(created.device).toMatchObject({ deviceId: id, tags: { site: 'oslo' } });
    expect(created.connectionString).toContain(`DeviceId=${id};`);
    // The global option works before the command too.
    expect(jsonResult(await devhub('--json', 'device', 'show', id))).toMatchObject({
      deviceId: id,
      authentication: { symmetricKey: { primaryKey: '<hidden>' } },
    });
    expect(jsonResult(await devhub('device', 'connection-string', id, '--json'))).toEqual({
      deviceId: id,
      connectionString: created.connectionString,
    });
    expect(jsonResult(await devhub('device', 'disable', id, '--reason', 'test', '--json'))).toMatchObject({ status: 'disabled' });
    expect(jsonResult(await devhub('device', 'enable', id, '--json'))).toMatchObject({ status: 'enabled' });
    const listed = jsonLines(await devhub('device', 'list', '--all', '--json')) as { deviceId: string }[];
    expect(listed.map((d) => d.deviceId)).toContain(id);

    expect(jsonResult(await devhub('send', '--device', id, '--message-id', 'j-1', 'hello', '--json'))).toEqual({
      deviceId: id,
      bytes: 5,
      messageId: 'j-1',
      transport: 'https',
    });
    expect(jsonResult(await devhub('send', '--ws', '--device-connection-string', created.connectionString, 'hi', '--json'))).toEqual({
      deviceId: id,
      bytes: 2,
      transport: 'websocket',
    });

    expect(jsonResult(await devhub('c2d', 'receive', '--device', id, '--json'))).toBeNull();
    expect(jsonResult(await devhub('c2d', 'send', id, 'cmd', '--message-id', 'j-c2d', '--json'))).toMatchObject({
      messageId: 'j-c2d',
    });
    const received = jsonResult(await devhub('c2d', 'receive', '--device', id, '--lock-timeout', '600', '--json')) as {
      lockToken: string;
      body: string;
    };
    expect(received).toMatchObject({ messageId: 'j-c2d', body: 'cmd', lockToken: expect.any(String) });
    expect(jsonResult(await devhub('c2d', 'complete', '--device', id, received.lockToken, '--json'))).toEqual({
      lockToken: received.lockToken,
      outcome: 'completed',
    });
    expect(jsonResult(await devhub('c2d', 'purge', id, '--json'))).toEqual({ deviceId: id, totalMessagesPurged: 0 });

    // Read to the tip (no --follow): the device's lifecycle events and its two messages.
    const tailed = jsonLines(await devhub('tail', '--device', id, '--json')) as { deviceId: string; messageSource: string; body: string }[];
    const telemetry = tailed.filter((e) => e.messageSource === 'Telemetry');
    expect(telemetry.map((e) => [e.deviceId, Buffer.from(e.body, 'base64').toString()])).toEqual([
      [id, 'hello'],
      [id, 'hi'],
    ]);
    expect(jsonResult(await devhub('device', 'delete', id, '--json'))).toEqual({ deviceId: id, deleted: true });
  });

  it('consumer groups: consume lines, groups list (one array), groups reset', async () => {
    const { client } = await newDevice('clijsong');
    await client.send({ body: 'g' });
    const group = uniqueId('jg');
    const consumed = jsonLines(await devhub('consume', '--group', group, '--from', 'trim-horizon', '--json')) as { deviceId: string }[];
    expect(consumed.length).toBeGreaterThan(0);
    const groups = JSON.parse((await devhub('groups', 'list', '--json')).stdout) as { group: string }[];
    expect(groups.map((g) => g.group)).toContain(group);
    expect(jsonResult(await devhub('groups', 'reset', group, '--to', 'latest', '--json'))).toMatchObject({
      group,
      to: 'latest',
      shardsCleared: expect.any(Number),
    });
  });

  it('endpoints, routes, enrichments and dead letters', async () => {
    const name = uniqueId('jep');
    const queueName = `${resourceName('HUB_NAME')}-ep-${name}`;
    const sqs = new SQSClient({ endpoint: `http://127.0.0.1:${TEST_PORTS.sqsPort}`, requestHandler: new NodeHttpHandler() });
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: queueName }));
    try {
      expect(jsonResult(await devhub('endpoint', 'add', name, '--type', 'sqs', '--target', QueueUrl ?? '', '--json'))).toMatchObject({
        name,
        type: 'sqs',
      });
      expect(jsonResult(await devhub('endpoint', 'show', name, '--json'))).toMatchObject({ name });
      expect((jsonLines(await devhub('endpoint', 'list', '--json')) as { name: string }[]).map((e) => e.name)).toContain(name);
      expect(jsonResult(await devhub('endpoint', 'health', name, '--json'))).toMatchObject({ endpoint: name, status: expect.any(String) });

      expect(jsonResult(await devhub('enrichment', 'add', '--endpoint', name, '--key', 'k', '--value', 'v', '--json'))).toMatchObject({
        key: 'k',
        value: 'v',
      });
      expect(jsonLines(await devhub('enrichment', 'list', '--endpoint', name, '--json'))).toEqual([expect.objectContaining({ key: 'k' })]);
      expect(jsonResult(await devhub('enrichment', 'remove', '--endpoint', name, '--key', 'k', '--json'))).toEqual({
        endpoint: name,
        key: 'k',
        removed: true,
      });

      expect(jsonResult(await devhub('route', 'add', name, '--endpoint', name, '--condition', 'false', '--json'))).toMatchObject({
        name,
        condition: 'false',
        endpoint: name,
      });
      expect((jsonLines(await devhub('route', 'list', '--json')) as { name: string }[]).map((r) => r.name)).toContain(name);
      const message = join(mkdtempSync(join(tmpdir(), 'devhub-json-')), 'envelope.json');
      writeFileSync(message, JSON.stringify({ deviceId: 'd', properties: { level: 'alert' }, systemProperties: {}, body: '' }));
      expect(jsonResult(await devhub('route', 'test', '--condition', "level = 'alert'", '--message', message, '--json'))).toEqual({
        result: true,
      });
      expect(jsonResult(await devhub('route', 'test', '--route', name, '--message', message, '--json'))).toMatchObject({ result: false });
      expect(jsonResult(await devhub('route', 'remove', name, '--json'))).toEqual({ route: name, removed: true });

      jsonLines(await devhub('deadletter', 'list', '--endpoint', name, '--json'));
      expect(jsonResult(await devhub('deadletter', 'redrive', '--endpoint', name, '--json'))).toEqual({
        redriven: 0,
        failed: 0,
        skipped: expect.any(Number),
      });
      jsonLines(await devhub('routing', 'failures', '--json'));
      expect(jsonResult(await devhub('endpoint', 'remove', name, '--json'))).toEqual({ endpoint: name, removed: true });
    } finally {
      await devhub('route', 'remove', name);
      await devhub('endpoint', 'remove', name);
      await sqs.send(new DeleteQueueCommand({ QueueUrl }));
      sqs.destroy();
    }
  });
});

describe('shell completion', () => {
  it('prints a completion script per shell, and the script asks the CLI for commands, options and choices', async () => {
    for (const shell of ['bash', 'zsh', 'fish', 'powershell']) {
      const script = await devhub('completion', shell);
      expect({ shell, code: script.code }).toEqual({ shell, code: 0 });
      expect(script.stdout).toMatch(/devhub complete '?--'? /);
    }
    const words = async (...args: string[]) =>
      (await devhub('complete', '--', ...args)).stdout
        .split('\n')
        .filter((l) => l !== '' && !l.startsWith(':'))
        .map((l) => l.split('\t')[0]);
    expect(await words('')).toEqual(expect.arrayContaining(['device', 'send', 'tail', 'c2d', 'routing']));
    expect(await words('device', '')).toEqual(expect.arrayContaining(['create', 'show', 'list', 'connection-string']));
    expect(await words('routing', 'failures', '')).toEqual(expect.arrayContaining(['list', 'replay']));
    expect(await words('tail', '--')).toEqual(expect.arrayContaining(['--from', '--follow', '--raw', '--human']));
    expect(await words('c2d', 'send', 'd', 'x', '--ack', '')).toEqual(['none', 'positive', 'negative', 'full']);
  });
});
