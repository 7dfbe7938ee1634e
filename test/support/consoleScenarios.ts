/**
 * The web console's user journeys in a real browser, written once and run in each browser the console
 * supports (test/console.chromium.browser.test.ts, test/console.firefox.browser.test.ts): Debian's
 * Chromium and firefox-esr, driven by puppeteer-core (test/support/browserUi.ts) against the test hub
 * (served by the hub itself at /console). Screenshots of a few states are written to
 * test-results/console/<browser> (or DEVHUB_SCREENSHOT_DIR/<browser>); the paths are printed.
 */
import { CreateQueueCommand, DeleteQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { mkdirSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import type { Page } from 'puppeteer-core';
import { serviceConnectionString } from '../../lib/sas';
import { first, launchBrowser, nth, q, Ui, within, withText, type BrowserName, type LaunchedBrowser, type Query } from './browserUi';
import { devhub } from './cli';
import { hubInfo, resourceName, service, uniqueId } from './hub';
import { nowSeconds, policyToken, readPolicies } from './security';

/** How long the run's first console page may take to render (a cold function under a loaded machine). */
const FIRST_RENDER_MS = 90_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function consoleScenarios(browserName: BrowserName): void {
  // Each test is a user journey of many steps against a shared, loaded machine: generous deadlines.
  jest.setTimeout(240_000);

  const screenshots = join(process.env.DEVHUB_SCREENSHOT_DIR ?? resolve(__dirname, '../../test-results/console'), browserName);
  const run = uniqueId(`ui${browserName.slice(0, 2)}`);
  const deviceId = `${run}-thermo`;

  let launched: LaunchedBrowser;
  let ui: Ui;
  const pageProblems: string[] = [];

  function consoleUrl(): string {
    return `${hubInfo().httpUrl}/console`;
  }

  async function shot(u: Ui, name: string): Promise<void> {
    const file = join(screenshots, `${name}.png`);
    await u.page.screenshot({ path: file as `${string}.png`, fullPage: true });
    console.log(`screenshot (${browserName}): ${file}`);
  }

  async function newUi(): Promise<Ui> {
    const p = await launched.browser.newPage();
    p.on('console', (m) => {
      if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) pageProblems.push(m.text());
    });
    p.on('pageerror', (e: unknown) => pageProblems.push(e instanceof Error ? e.message : String(e)));
    return new Ui(p);
  }

  async function signIn(u: Ui, secret: string): Promise<void> {
    await u.page.goto(consoleUrl());
    await u.fill(q.label(/Connection string of a shared access policy/), secret);
    await u.click(q.button('Sign in'));
  }

  const storage = (p: Page) =>
    p.evaluate(() => {
      const g = globalThis as unknown as { localStorage: object; sessionStorage: object };
      return { local: Object.keys(g.localStorage), session: Object.keys(g.sessionStorage) };
    });

  beforeAll(async () => {
    mkdirSync(screenshots, { recursive: true });
    console.log(`console screenshots (${browserName}) go to ${screenshots}`);
    launched = await launchBrowser(browserName);
    ui = await newUi();
  }, 120_000);

  afterAll(async () => {
    await launched?.close();
  });

  describe('signing in', () => {
    it('explains a malformed connection string, a device connection string and an expired token in the page', async () => {
      // The first page of the run: serverless offline starts the console function cold (its
      // bundle and static files) while the rest of the suite loads the machine. A failed answer
      // is named; a slow first render gets a generous deadline, not a failure.
      const response = await ui.page.goto(consoleUrl());
      expect(response?.status()).toBe(200);
      await ui.visible(q.text('Your key stays in this browser'), FIRST_RENDER_MS);
      await shot(ui, '01-sign-in');

      await signIn(ui, 'HostName=localhost;SharedAccessKeyName');
      await ui.visible(q.alert('The connection string is malformed'));

      await signIn(ui, 'HostName=localhost;DeviceId=dev1;SharedAccessKey=AAAAAAAAAAAAAAAAAAAAAA==');
      await ui.visible(q.alert('This is a device connection string'));

      const owner = (await readPolicies()).get('iothubowner');
      if (!owner) throw new Error('no iothubowner');
      await signIn(ui, policyToken(owner, nowSeconds() - 60));
      await ui.visible(q.alert(/The SAS token expired at/));

      // A well-formed key the hub does not know: the hub's 401 is explained, not a blank page.
      await signIn(ui, 'HostName=localhost;SharedAccessKeyName=iothubowner;SharedAccessKey=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=');
      await ui.visible(q.alert('The hub refused the credentials (401)'));
      await shot(ui, '02-sign-in-refused');
    });

    it('signs in with the owner connection string and keeps the key for this tab only', async () => {
      await signIn(ui, hubInfo().connectionString);
      await ui.visible(q.heading('Overview'));
      await ui.visible(withText(q.css('header strong'), 'iothubowner'));
      expect(await storage(ui.page)).toEqual({ local: [], session: ['devhub.console.credentials'] });
      // Reload keeps the session; a new tab is not signed in.
      await ui.page.reload();
      await ui.visible(q.heading('Overview'));
      const other = await newUi();
      await other.page.goto(consoleUrl());
      await other.visible(q.button('Sign in'));
      await other.page.close();
    });

    it('remembers the key in local storage only when asked, and signing out forgets it', async () => {
      await ui.click(q.button('Sign out'));
      await ui.fill(q.label(/Connection string of a shared access policy/), hubInfo().connectionString);
      await ui.check(q.label('Remember on this device'));
      await ui.click(q.button('Sign in'));
      await ui.visible(q.heading('Overview'));
      expect(await storage(ui.page)).toEqual({ local: ['devhub.console.credentials'], session: [] });
      const other = await newUi();
      await other.page.goto(consoleUrl());
      await other.visible(q.heading('Overview'));
      await other.page.close();
      await ui.click(q.button('Sign out'));
      await ui.visible(q.button('Sign in'));
      expect(await storage(ui.page)).toEqual({ local: [], session: [] });
      await signIn(ui, hubInfo().connectionString);
      await ui.visible(q.heading('Overview'));
    });
  });

  describe('as iothubowner', () => {
    it('can be driven from the keyboard, with a visible focus', async () => {
      await ui.page.goto(consoleUrl());
      await ui.visible(q.heading('Overview'));
      let reached = '';
      for (let i = 0; i < 15 && reached !== 'Devices'; i++) {
        await ui.page.keyboard.press('Tab');
        reached = await ui.page.evaluate(
          () =>
            (globalThis as unknown as { document: { activeElement: { textContent: string } | null } }).document.activeElement
              ?.textContent ?? '',
        );
      }
      expect(reached).toBe('Devices');
      const outline = await ui.page.evaluate(() => {
        const g = globalThis as unknown as { document: { activeElement: object }; getComputedStyle(e: object): { outlineStyle: string } };
        return g.getComputedStyle(g.document.activeElement).outlineStyle;
      });
      expect(outline).not.toBe('none');
      await ui.page.keyboard.press('Enter');
      await ui.visible(q.heading('Devices'));
    });

    it('creates a device and shows its connection string once', async () => {
      await ui.click(q.link('Devices'));
      await ui.fill(q.css('#new-device-id'), deviceId);
      await ui.fill(q.label('Tags (JSON, optional)'), '{"site":"oslo"}');
      await ui.click(q.button('Create device'));
      const cs = q.css('#created-connection-string');
      await ui.visible(cs);
      // Devices connect to the device front door, whose host differs from the service API's on the test hub.
      const deviceHost = new URL(hubInfo().deviceUrl).hostname;
      expect(deviceHost).not.toBe('localhost');
      expect(await ui.value(cs)).toMatch(
        new RegExp(`^HostName=${deviceHost.replace(/\./g, '\\.')};DeviceId=${deviceId};SharedAccessKey=[A-Za-z0-9+/=]{44}$`),
      );
      await ui.visible(q.css(`#devices tr[data-device="${deviceId}"]`));
      // The registry agrees.
      expect((await service().getDevice(deviceId)).tags).toEqual({ site: 'oslo' });
      await ui.fill(q.css('#filter-prefix'), run);
      await ui.click(q.button(deviceId));
      await ui.visible(q.heading(`Device ${deviceId}`));
      await shot(ui, '03-devices');
    });

    it('disables, enables and, after confirmation, deletes a device', async () => {
      const spare = `${run}-spare`;
      await service().createDevice(spare);
      await ui.click(q.button('Refresh'));
      const row = await findDevice(ui, spare);
      await ui.click(within(row, q.button('Disable')));
      await ui.visible(within(row, withText(q.css('.badge'), 'disabled')));
      expect((await service().getDevice(spare)).status).toBe('disabled');
      await ui.click(within(row, q.button('Enable')));
      await ui.visible(within(row, withText(q.css('.badge'), 'enabled')));
      expect((await service().getDevice(spare)).status).toBe('enabled');
      await ui.click(within(row, q.button('Delete')));
      await ui.click(within(q.dialog(), q.button('Cancel')));
      expect((await service().getDevice(spare)).deviceId).toBe(spare);
      await ui.click(within(row, q.button('Delete')));
      await ui.click(within(q.dialog(), q.button('Delete')));
      await ui.waitForCount(row, 0);
      await expect(service().getDevice(spare)).rejects.toThrow(/404|DeviceNotFound/);
    });

    it('shows telemetry sent with the CLI as it arrives and plots a body field', async () => {
      await ui.click(q.link('Telemetry'));
      await ui.visible(q.text(/^Live:/));
      for (const temp of [21, 23.5, 22]) {
        const sent = await devhub(
          'send',
          '--device',
          deviceId,
          '--content-type',
          'application/json',
          '--property',
          `humidity=${temp + 20}`,
          `{"temp":${temp},"unit":"C"}`,
        );
        expect([sent.code, sent.stderr]).toEqual([0, '']);
      }
      const mine = q.css(`#messages li[data-device="${deviceId}"]`);
      await ui.waitForCount(withText(mine, /"temp"/), 3);
      // Newest first, pretty-printed JSON.
      await ui.visible(within(first(mine), withText(q.css('pre.body'), /"temp": 22/)));
      await ui.select(q.css('#telemetry-device'), deviceId);
      await ui.check(q.label('body.temp'));
      await ui.check(q.label('prop.humidity'));
      const legend = q.css('#chart .u-legend');
      await ui.visible(within(legend, q.text('body.temp')));
      await ui.visible(within(legend, q.text('prop.humidity')));
      // uPlot plotted the values: with the cursor at the right edge the legend shows the newest point.
      await ui.select(q.css('#plot-window'), '60000');
      const box = await ui.box(q.css('#chart .u-over'));
      await ui.page.mouse.move(box.x + box.width - 1, box.y + box.height / 2);
      const series = within(legend, q.css('.u-series'));
      await ui.visible(within(nth(series, 1), withText(q.css('.u-value'), /^22$/)));
      await ui.visible(within(nth(series, 2), withText(q.css('.u-value'), /^42$/)));
      await shot(ui, '04-telemetry-plot');
      await ui.click(q.button('Pause'));
      await ui.visible(q.text(/^Paused\./));
      const paused = await devhub('send', '--device', deviceId, '--content-type', 'application/json', '{"temp":99}');
      expect([paused.code, paused.stderr]).toEqual([0, '']);
      expect(await ui.count(withText(mine, /"temp": 99/))).toBe(0);
      await ui.click(q.button('Resume'));
      await ui.visible(withText(mine, /"temp": 99/));
      if (browserName === 'chromium') {
        // Only Chromium lets a driver emulate the colour scheme (Firefox follows its profile's setting).
        await ui.page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'dark' }]);
        await shot(ui, '04b-telemetry-plot-dark');
        await ui.page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'light' }]);
      }
    });

    it('says so when the hub goes away mid-stream, and resumes without losing messages when it is back', async () => {
      // The page is loaded through a plain TCP-level relay to the hub; closing the relay is the hub
      // going away for the browser (connections refused), reopening it on the same port its return.
      const relay = await HubRelay.start(new URL(hubInfo().httpUrl));
      const other = await newUi();
      try {
        await other.page.goto(`${relay.url}/console`);
        await other.fill(q.label(/Connection string of a shared access policy/), hubInfo().connectionString);
        await other.click(q.button('Sign in'));
        await other.visible(q.heading('Overview'));
        await other.click(q.link('Telemetry'));
        await other.visible(q.text(/^Live:/));
        await relay.stop();
        await other.visible(q.alert('Lost contact with the hub'));
        const sent = await devhub('send', '--device', deviceId, '--content-type', 'application/json', '{"temp":30}');
        expect([sent.code, sent.stderr]).toEqual([0, '']);
        await shot(other, '05-hub-away');
        await relay.resume();
        await other.visible(withText(q.css(`#messages li[data-device="${deviceId}"] pre.body`), /"temp": 30/), 30_000);
        await other.visible(q.text(/^Live:/));
      } finally {
        await other.page.close();
        await relay.stop();
      }
    });

    it('sends a command and shows its feedback once the device completes it', async () => {
      await ui.click(q.link('Commands'));
      await ui.fill(q.label('Device id'), deviceId);
      await ui.fill(q.label('Body'), 'reboot');
      await ui.fill(q.label('Application properties'), 'priority=high');
      await ui.select(q.label('Feedback (ack)'), 'full');
      await ui.fill(q.label('TTL (seconds)'), '600');
      await ui.fill(q.label('Message id'), `${run}-cmd`);
      await ui.click(q.button('Send command'));
      const row = q.css(`#sent-commands tr[data-message-id="${run}-cmd"]`);
      await ui.visible(row);
      const received = await devhub('c2d', 'receive', '--device', deviceId, '--lock-timeout', '120');
      expect(received.code).toBe(0);
      const cmd = JSON.parse(received.stdout) as { lockToken: string; properties: Record<string, string>; body: string };
      expect(cmd).toMatchObject({ body: 'reboot', properties: { priority: 'high' } });
      await ui.visible(within(row, withText(q.css('td.state'), /Invisible/)));
      expect((await devhub('c2d', 'complete', '--device', deviceId, cmd.lockToken)).code).toBe(0);
      await ui.visible(within(row, withText(q.css('td.feedback'), /^Success/)), 30_000);
      await shot(ui, '06-commands');
      await ui.fill(q.label('Message id'), `${run}-cmd2`);
      await ui.click(q.button('Send command'));
      await ui.visible(q.css(`#sent-commands tr[data-message-id="${run}-cmd2"]`));
      await ui.click(q.button('Purge queue'));
      await ui.click(within(q.dialog(), q.button('Purge')));
      await ui.visible(q.text(`Purged 1 command(s) of ${deviceId}.`));
      await ui.visible(withText(q.css(`#sent-commands tr[data-message-id="${run}-cmd2"] td.feedback`), /^Purged/), 30_000);
    });

    it('adds an endpoint and a route, highlights a condition syntax error, tests a condition, and redrives a dead letter', async () => {
      const sqs = new SQSClient({ requestHandler: new NodeHttpHandler() });
      // Endpoint targets follow the hub's naming convention ({hub}-ep-*).
      const queueName = `${resourceName('HUB_NAME')}-ep-${run}-q`;
      const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: queueName }))).QueueUrl ?? '';
      await ui.click(q.link('Routing'));
      await ui.fill(first(q.label('Name')), queueName);
      await ui.fill(q.css('#ep-target'), queueUrl);
      await ui.click(q.button('Add endpoint'));
      await ui.visible(q.css(`#endpoints tr[data-endpoint="${queueName}"]`));

      // A syntax error when saving: the position is marked.
      await ui.fill(q.css('#route-name'), `${run}-route`);
      await ui.select(q.css('#route-endpoint'), queueName);
      await ui.fill(q.css('#route-condition'), `run = '${run}' AND temp >`);
      await ui.click(q.button('Save route'));
      await ui.visible(within(q.css('#route-result'), q.alert(/Syntax error at position/)));
      await ui.visible(q.css('#route-result pre.condition-error mark'));
      await ui.fill(q.css('#route-condition'), `run = '${run}'`);
      await ui.click(q.button('Save route'));
      await ui.visible(q.css(`#routes tr[data-route="${run}-route"]`));

      // The tester: an error marked at its position, then a match.
      await ui.fill(q.css('#test-condition'), 'temp > (30');
      await ui.click(q.button('Test condition'));
      const mark = q.css('#test-result pre.condition-error mark');
      await ui.visible(mark);
      await ui.fill(q.css('#test-condition'), '$body.temp > 30');
      await ui.fill(q.css('#test-message'), JSON.stringify({ deviceId: 'x', body: { temp: 35 } }));
      await ui.click(q.button('Test condition'));
      await ui.visible(within(q.css('#test-result'), q.text(/^true/)));
      await ui.fill(q.css('#test-condition'), 'temp > (30');
      await ui.click(q.button('Test condition'));
      await ui.visible(mark);
      await shot(ui, '07-routing-condition-error');

      // Make the endpoint fail for real, send a message the route matches: it is dead-lettered.
      await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
      await sleep(1200); // the routing cache (500 ms in tests)
      const dead = await devhub('send', '--device', deviceId, '--property', `run=${run}`, 'to-dead-letter');
      expect([dead.code, dead.stderr]).toEqual([0, '']);
      const deadRow = withText(q.css('#deadletters tr'), new RegExp(queueName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
      const refreshDead = within(q.css('*:has(> #deadletters-table)'), q.button('Refresh'));
      // The hub's dead-letter queue is shared with every other test (malformed stream records among
      // them): look at this endpoint's letters, as an operator with a busy queue would.
      await ui.select(q.css('#deadletters-endpoint'), queueName);
      for (let i = 0; i < 60 && (await ui.count(deadRow)) === 0; i++) {
        await ui.click(refreshDead);
        await sleep(500);
      }
      await ui.visible(first(deadRow));
      await ui.visible(within(first(deadRow), q.text('EndpointUnavailable')));
      await shot(ui, '08-dead-letters');
      await sqs.send(new CreateQueueCommand({ QueueName: queueName }));
      // A redrive pass has a time budget; one that ran out says "more remain, press again", as an
      // operator would (the shared queue ahead of this letter is long on a loaded machine).
      const redriven = within(q.css('#deadletter-result'), q.text(/^Redriven [1-9]/));
      for (let pass = 0; pass < 5 && (await ui.count(redriven)) === 0; pass++) {
        await ui.click(q.button('Redrive all'));
        await ui.visible(within(q.css('#deadletter-result'), q.text(/^Redriven \d/)), 60_000);
      }
      await ui.visible(redriven);
      await ui.waitForCount(deadRow, 0);
      await ui.click(q.link('Overview'));
      await ui.visible(withText(q.css('#ov-dead'), /^\d+\+?$/));
      await ui.visible(withText(q.css('#ov-devices'), /^[1-9]\d*\+?$/));
      await shot(ui, '10-overview');
      // Disable, enable, then remove the route and the endpoint through the page.
      await ui.click(q.link('Routing'));
      const routeRow = q.css(`#routes tr[data-route="${run}-route"]`);
      await ui.click(within(routeRow, q.button('Disable')));
      await ui.visible(within(routeRow, withText(q.css('.badge'), 'disabled')));
      await ui.click(within(routeRow, q.button('Enable')));
      await ui.visible(within(routeRow, withText(q.css('.badge'), 'enabled')));
      await ui.click(within(routeRow, q.button('Remove')));
      await ui.click(within(q.dialog(), q.button('Remove')));
      await ui.waitForCount(routeRow, 0);
      const endpointRow = q.css(`#endpoints tr[data-endpoint="${queueName}"]`);
      await ui.click(within(endpointRow, q.button('Remove')));
      await ui.click(within(q.dialog(), q.button('Remove')));
      await ui.waitForCount(endpointRow, 0);
      expect((await service().call('GET', `/routes/${run}-route`)).status).toBe(404);
      sqs.destroy();
    });
  });

  describe('a policy without the permissions', () => {
    it('disables what registryRead may not do, and the API refuses it when forced', async () => {
      const policies = await readPolicies();
      const readOnly = policies.get('registryRead');
      if (!readOnly) throw new Error('no registryRead');
      const p = await newUi();
      await signIn(p, serviceConnectionString('localhost', 'registryRead', readOnly.primaryKey));
      await p.visible(withText(q.css('header strong'), 'registryRead'));
      await p.click(q.link('Devices'));
      await findDevice(p, deviceId);
      const create = q.button('Create device');
      expect(await p.disabled(create)).toBe(true);
      expect(await p.disabled(within(q.css(`#devices tr[data-device="${deviceId}"]`), q.button('Delete')))).toBe(true);
      await p.visible(first(q.text('The registryRead policy lacks the RegistryWrite permission.')));
      await shot(p, '09-registry-read-devices');

      // Forced past the disabled button, the hub still says no, and the page says so.
      await p.removeAttribute(create, 'disabled');
      await p.fill(q.css('#new-device-id'), `${run}-forbidden`);
      await p.click(create);
      await p.visible(within(q.css('#created'), q.alert(/Not allowed \(403\)/)));
      await expect(service().getDevice(`${run}-forbidden`)).rejects.toThrow(/404|DeviceNotFound/);

      await p.click(q.link('Telemetry'));
      await p.visible(q.text(/lacks the ServiceConnect permission/));
      await p.click(q.link('Commands'));
      expect(await p.disabled(q.button('Send command'))).toBe(true);
      await p.click(q.link('Routing'));
      expect(await p.disabled(q.button('Test condition'))).toBe(true);
      expect(await p.disabled(q.button('Redrive all'))).toBe(true);
      expect(await p.disabled(q.button('Save route'))).toBe(true);
      await p.page.close();
    });

    it('gives the service policy commands and telemetry but not the registry', async () => {
      const svc = (await readPolicies()).get('service');
      if (!svc) throw new Error('no service policy');
      const p = await newUi();
      await signIn(p, serviceConnectionString('localhost', 'service', svc.primaryKey));
      await p.click(q.link('Devices'));
      await p.visible(q.text(/lacks the RegistryRead permission. The device list is not available/));
      await p.click(q.link('Commands'));
      expect(await p.disabled(q.button('Send command'))).toBe(false);
      await p.page.close();
    });

    it('left no script or CSP errors in any page', () => {
      expect(pageProblems.filter((t) => !/status of 40[134]/.test(t))).toEqual([]);
    });
  });
}

/** Filters the device list by id and loads pages until the device's row shows (the hub lists in no order). */
async function findDevice(u: Ui, id: string): Promise<Query> {
  await u.fill(q.css('#filter-prefix'), id);
  const row = q.css(`#devices tr[data-device="${id}"]`);
  const more = q.button('Load more');
  const deadline = Date.now() + 60_000;
  while ((await u.count(row)) === 0 && Date.now() < deadline) {
    if (await u.enabled(more)) await u.click(more);
    await sleep(200);
  }
  await u.visible(row);
  return row;
}

/** A TCP relay in front of the hub's HTTP port that can be closed (every connection cut) and reopened on the same port. */
class HubRelay {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly target: URL,
    private port: number,
  ) {}

  get url(): string {
    return `http://localhost:${this.port}`;
  }

  static async start(target: URL): Promise<HubRelay> {
    const relay = new HubRelay(target, 0);
    await relay.resume();
    return relay;
  }

  async resume(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(Number(this.target.port), this.target.hostname);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolveListen());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  }
}
