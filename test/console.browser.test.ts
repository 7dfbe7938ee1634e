/**
 * The web console in a real browser: Debian's headless Chromium driven by playwright-core,
 * against the test hub (served by the hub itself at /console). Screenshots of a few states are
 * written to test-results/console (or DEVHUB_SCREENSHOT_DIR); the path is printed.
 */
import { CreateQueueCommand, DeleteQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { serviceConnectionString } from '../lib/sas';
import { devhub } from './support/cli';
import { hubInfo, resourceName, service, uniqueId } from './support/hub';
import { nowSeconds, policyToken, readPolicies } from './support/security';

// Each test is a user journey of many steps against a shared, loaded machine: generous deadlines.
jest.setTimeout(240_000);

const CHROMIUM = process.env.DEVHUB_CHROMIUM ?? '/usr/bin/chromium';
const screenshots = process.env.DEVHUB_SCREENSHOT_DIR ?? resolve(__dirname, '../test-results/console');
const run = uniqueId('ui');
const deviceId = `${run}-thermo`;

let context: BrowserContext;
let page: Page;
let userDataDir: string;
const pageProblems: string[] = [];

function consoleUrl(): string {
  return `${hubInfo().httpUrl}/console`;
}

async function shot(p: Page, name: string): Promise<void> {
  const file = join(screenshots, `${name}.png`);
  await p.screenshot({ path: file, fullPage: true });
  console.log(`screenshot: ${file}`);
}

async function newPage(): Promise<Page> {
  const p = await context.newPage();
  p.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) pageProblems.push(m.text());
  });
  p.on('pageerror', (e) => pageProblems.push(e.message));
  return p;
}

async function signIn(p: Page, secret: string): Promise<void> {
  await p.goto(consoleUrl());
  await p.getByLabel(/Connection string of a shared access policy/).fill(secret);
  await p.getByRole('button', { name: 'Sign in' }).click();
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
  mkdirSync(screenshots, { recursive: true });
  console.log(`console screenshots go to ${screenshots}`);
  userDataDir = mkdtempSync(join(tmpdir(), 'devhub-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1366, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  context.setDefaultTimeout(20_000);
  page = await newPage();
}, 60_000);

afterAll(async () => {
  await context?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

describe('signing in', () => {
  it('explains a malformed connection string, a device connection string and an expired token in the page', async () => {
    await page.goto(consoleUrl());
    await expectVisible(page.getByText('Your key stays in this browser'));
    await shot(page, '01-sign-in');

    await signIn(page, 'HostName=localhost;SharedAccessKeyName');
    await expectVisible(page.getByRole('alert').filter({ hasText: 'The connection string is malformed' }));

    await signIn(page, 'HostName=localhost;DeviceId=dev1;SharedAccessKey=AAAAAAAAAAAAAAAAAAAAAA==');
    await expectVisible(page.getByRole('alert').filter({ hasText: 'This is a device connection string' }));

    const owner = (await readPolicies()).get('iothubowner');
    if (!owner) throw new Error('no iothubowner');
    await signIn(page, policyToken(owner, nowSeconds() - 60));
    await expectVisible(page.getByRole('alert').filter({ hasText: /The SAS token expired at/ }));

    // A well-formed key the hub does not know: the hub's 401 is explained, not a blank page.
    await signIn(page, 'HostName=localhost;SharedAccessKeyName=iothubowner;SharedAccessKey=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=');
    await expectVisible(page.getByRole('alert').filter({ hasText: 'The hub refused the credentials (401)' }));
    await shot(page, '02-sign-in-refused');
  });

  it('signs in with the owner connection string and keeps the key for this tab only', async () => {
    await signIn(page, hubInfo().connectionString);
    await expectVisible(page.getByRole('heading', { name: 'Overview' }));
    await expectVisible(page.locator('header strong').getByText('iothubowner', { exact: true }));
    expect(await page.evaluate(() => Object.keys((globalThis as unknown as { localStorage: object }).localStorage))).toEqual([]);
    expect(await page.evaluate(() => Object.keys((globalThis as unknown as { sessionStorage: object }).sessionStorage))).toEqual([
      'devhub.console.credentials',
    ]);
    // Reload keeps the session; a new tab is not signed in.
    await page.reload();
    await expectVisible(page.getByRole('heading', { name: 'Overview' }));
    const other = await newPage();
    await other.goto(consoleUrl());
    await expectVisible(other.getByRole('button', { name: 'Sign in' }));
    await other.close();
  });
  it('remembers the key in local storage only when asked, and signing out forgets it', async () => {
    const storage = (p: Page) =>
      p.evaluate(() => {
        const g = globalThis as unknown as { localStorage: object; sessionStorage: object };
        return { local: Object.keys(g.localStorage), session: Object.keys(g.sessionStorage) };
      });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel(/Connection string of a shared access policy/).fill(hubInfo().connectionString);
    await page.getByLabel('Remember on this device').check();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expectVisible(page.getByRole('heading', { name: 'Overview' }));
    expect(await storage(page)).toEqual({ local: ['devhub.console.credentials'], session: [] });
    const other = await newPage();
    await other.goto(consoleUrl());
    await expectVisible(other.getByRole('heading', { name: 'Overview' }));
    await other.close();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expectVisible(page.getByRole('button', { name: 'Sign in' }));
    expect(await storage(page)).toEqual({ local: [], session: [] });
    await signIn(page, hubInfo().connectionString);
    await expectVisible(page.getByRole('heading', { name: 'Overview' }));
  });
});

describe('as iothubowner', () => {
  it('can be driven from the keyboard, with a visible focus', async () => {
    await page.goto(consoleUrl());
    await expectVisible(page.getByRole('heading', { name: 'Overview' }));
    let reached = '';
    for (let i = 0; i < 15 && reached !== 'Devices'; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(
        () =>
          (globalThis as unknown as { document: { activeElement: { textContent: string } | null } }).document.activeElement?.textContent ??
          '',
      );
    }
    expect(reached).toBe('Devices');
    const outline = await page.evaluate(() => {
      const g = globalThis as unknown as { document: { activeElement: object }; getComputedStyle(e: object): { outlineStyle: string } };
      return g.getComputedStyle(g.document.activeElement).outlineStyle;
    });
    expect(outline).not.toBe('none');
    await page.keyboard.press('Enter');
    await expectVisible(page.getByRole('heading', { name: 'Devices', exact: true }));
  });

  it('creates a device and shows its connection string once', async () => {
    await page.getByRole('link', { name: 'Devices' }).click();
    await page.locator('#new-device-id').fill(deviceId);
    await page.getByLabel('Tags (JSON, optional)').fill('{"site":"oslo"}');
    await page.getByRole('button', { name: 'Create device' }).click();
    const cs = page.locator('#created-connection-string');
    await expectVisible(cs);
    expect(await cs.inputValue()).toMatch(new RegExp(`^HostName=localhost;DeviceId=${deviceId};SharedAccessKey=[A-Za-z0-9+/=]{44}$`));
    await expectVisible(page.locator(`#devices tr[data-device="${deviceId}"]`));
    // The registry agrees.
    expect((await service().getDevice(deviceId)).tags).toEqual({ site: 'oslo' });
    await page.locator('#filter-prefix').fill(run);
    await page.getByRole('button', { name: deviceId }).click();
    await expectVisible(page.getByRole('heading', { name: `Device ${deviceId}` }));
    await shot(page, '03-devices');
  });

  it('disables, enables and, after confirmation, deletes a device', async () => {
    const spare = `${run}-spare`;
    await service().createDevice(spare);
    await page.getByRole('button', { name: 'Refresh' }).click();
    const row = await findDevice(page, spare);
    await row.getByRole('button', { name: 'Disable' }).click();
    await expectVisible(row.locator('.badge').getByText('disabled', { exact: true }));
    expect((await service().getDevice(spare)).status).toBe('disabled');
    await row.getByRole('button', { name: 'Enable' }).click();
    await expectVisible(row.locator('.badge').getByText('enabled', { exact: true }));
    expect((await service().getDevice(spare)).status).toBe('enabled');
    await row.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    expect((await service().getDevice(spare)).deviceId).toBe(spare);
    await row.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await waitForCount(row, 0);
    await expect(service().getDevice(spare)).rejects.toThrow(/404|DeviceNotFound/);
  });

  it('shows telemetry sent with the CLI as it arrives and plots a body field', async () => {
    await page.getByRole('link', { name: 'Telemetry' }).click();
    await expectVisible(page.getByText(/^Live:/));
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
    const mine = page.locator(`#messages li[data-device="${deviceId}"]`);
    await waitForCount(mine.filter({ hasText: '"temp"' }), 3);
    // Newest first, pretty-printed JSON.
    await expectVisible(mine.first().locator('pre.body').filter({ hasText: '"temp": 22' }));
    await page.locator('#telemetry-device').selectOption(deviceId);
    await page.getByLabel('body.temp').check();
    await page.getByLabel('prop.humidity').check();
    const legend = page.locator('#chart .u-legend');
    await expectVisible(legend.getByText('body.temp'));
    await expectVisible(legend.getByText('prop.humidity'));
    // uPlot plotted the values: with the cursor at the right edge the legend shows the newest point.
    await page.locator('#plot-window').selectOption('60000');
    const over = page.locator('#chart .u-over');
    const box = await over.boundingBox();
    if (!box) throw new Error('no plot area');
    await page.mouse.move(box.x + box.width - 1, box.y + box.height / 2);
    await expectVisible(legend.locator('.u-series').nth(1).locator('.u-value').filter({ hasText: /^22$/ }));
    await expectVisible(legend.locator('.u-series').nth(2).locator('.u-value').filter({ hasText: /^42$/ }));
    await shot(page, '04-telemetry-plot');
    await page.getByRole('button', { name: 'Pause' }).click();
    await expectVisible(page.getByText(/^Paused\./));
    const paused = await devhub('send', '--device', deviceId, '--content-type', 'application/json', '{"temp":99}');
    expect([paused.code, paused.stderr]).toEqual([0, '']);
    expect(await mine.filter({ hasText: '"temp": 99' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Resume' }).click();
    await expectVisible(mine.filter({ hasText: '"temp": 99' }));
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot(page, '04b-telemetry-plot-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('says so when the hub goes away mid-stream, and resumes without losing messages when it is back', async () => {
    // The page is loaded through a plain TCP-level relay to the hub; closing the relay is the hub
    // going away for the browser (connections refused), reopening it on the same port its return.
    const relay = await HubRelay.start(new URL(hubInfo().httpUrl));
    const p = await newPage();
    try {
      await p.goto(`${relay.url}/console`);
      await p.getByLabel(/Connection string of a shared access policy/).fill(hubInfo().connectionString);
      await p.getByRole('button', { name: 'Sign in' }).click();
      await expectVisible(p.getByRole('heading', { name: 'Overview' }));
      await p.getByRole('link', { name: 'Telemetry' }).click();
      await expectVisible(p.getByText(/^Live:/));
      await relay.stop();
      await expectVisible(p.getByRole('alert').filter({ hasText: 'Lost contact with the hub' }));
      const sent = await devhub('send', '--device', deviceId, '--content-type', 'application/json', '{"temp":30}');
      expect([sent.code, sent.stderr]).toEqual([0, '']);
      await shot(p, '05-hub-away');
      await relay.resume();
      await expectVisible(p.locator(`#messages li[data-device="${deviceId}"] pre.body`).filter({ hasText: '"temp": 30' }), 30_000);
      await expectVisible(p.getByText(/^Live:/));
    } finally {
      await p.close();
      await relay.stop();
    }
  });

  it('sends a command and shows its feedback once the device completes it', async () => {
    await page.getByRole('link', { name: 'Commands' }).click();
    await page.getByLabel('Device id').fill(deviceId);
    await page.getByLabel('Body').fill('reboot');
    await page.getByLabel('Application properties').fill('priority=high');
    await page.getByLabel('Feedback (ack)').selectOption('full');
    await page.getByLabel('TTL (seconds)').fill('600');
    await page.getByLabel('Message id').fill(`${run}-cmd`);
    await page.getByRole('button', { name: 'Send command' }).click();
    const row = page.locator(`#sent-commands tr[data-message-id="${run}-cmd"]`);
    await expectVisible(row);
    const received = await devhub('c2d', 'receive', '--device', deviceId, '--lock-timeout', '120');
    expect(received.code).toBe(0);
    const cmd = JSON.parse(received.stdout) as { lockToken: string; properties: Record<string, string>; body: string };
    expect(cmd).toMatchObject({ body: 'reboot', properties: { priority: 'high' } });
    await expectVisible(row.locator('td.state').filter({ hasText: /Invisible/ }));
    expect((await devhub('c2d', 'complete', '--device', deviceId, cmd.lockToken)).code).toBe(0);
    await expectVisible(row.locator('td.feedback').filter({ hasText: /^Success/ }), 30_000);
    await shot(page, '06-commands');
    await page.getByLabel('Message id').fill(`${run}-cmd2`);
    await page.getByRole('button', { name: 'Send command' }).click();
    await expectVisible(page.locator(`#sent-commands tr[data-message-id="${run}-cmd2"]`));
    await page.getByRole('button', { name: 'Purge queue' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Purge' }).click();
    await expectVisible(page.getByText(`Purged 1 command(s) of ${deviceId}.`));
    await expectVisible(
      page.locator(`#sent-commands tr[data-message-id="${run}-cmd2"] td.feedback`).filter({ hasText: /^Purged/ }),
      30_000,
    );
  });

  it('adds an endpoint and a route, highlights a condition syntax error, tests a condition, and redrives a dead letter', async () => {
    const sqs = new SQSClient({ requestHandler: new NodeHttpHandler() });
    // Endpoint targets follow the hub's naming convention ({hub}-ep-*).
    const queueName = `${resourceName('HUB_NAME')}-ep-${run}-q`;
    const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: queueName }))).QueueUrl ?? '';
    await page.getByRole('link', { name: 'Routing' }).click();
    await page.getByLabel('Name').first().fill(queueName);
    await page.locator('#ep-target').fill(queueUrl);
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await expectVisible(page.locator(`#endpoints tr[data-endpoint="${queueName}"]`));

    // A syntax error when saving: the position is marked.
    await page.locator('#route-name').fill(`${run}-route`);
    await page.locator('#route-endpoint').selectOption(queueName);
    await page.locator('#route-condition').fill(`run = '${run}' AND temp >`);
    await page.getByRole('button', { name: 'Save route' }).click();
    await expectVisible(
      page
        .locator('#route-result')
        .getByRole('alert')
        .filter({ hasText: /Syntax error at position/ }),
    );
    await expectVisible(page.locator('#route-result pre.condition-error mark'));
    await page.locator('#route-condition').fill(`run = '${run}'`);
    await page.getByRole('button', { name: 'Save route' }).click();
    await expectVisible(page.locator(`#routes tr[data-route="${run}-route"]`));

    // The tester: an error marked at its position, then a match.
    await page.locator('#test-condition').fill('temp > (30');
    await page.getByRole('button', { name: 'Test condition' }).click();
    const mark = page.locator('#test-result pre.condition-error mark');
    await expectVisible(mark);
    await page.locator('#test-condition').fill('$body.temp > 30');
    await page.locator('#test-message').fill(JSON.stringify({ deviceId: 'x', body: { temp: 35 } }));
    await page.getByRole('button', { name: 'Test condition' }).click();
    await expectVisible(page.locator('#test-result').getByText(/^true/));
    await page.locator('#test-condition').fill('temp > (30');
    await page.getByRole('button', { name: 'Test condition' }).click();
    await expectVisible(mark);
    await shot(page, '07-routing-condition-error');

    // Make the endpoint fail for real, send a message the route matches: it is dead-lettered.
    await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
    await new Promise((r) => setTimeout(r, 1200)); // the routing cache (500 ms in tests)
    const dead = await devhub('send', '--device', deviceId, '--property', `run=${run}`, 'to-dead-letter');
    expect([dead.code, dead.stderr]).toEqual([0, '']);
    const deadRow = page.locator('#deadletters tr').filter({ hasText: queueName });
    for (let i = 0; i < 60 && (await deadRow.count()) === 0; i++) {
      await page.locator('#deadletters-table').locator('xpath=..').getByRole('button', { name: 'Refresh' }).click();
      await page.waitForTimeout(500);
    }
    await expectVisible(deadRow.first());
    await expectVisible(deadRow.first().getByText('EndpointUnavailable'));
    await shot(page, '08-dead-letters');
    await sqs.send(new CreateQueueCommand({ QueueName: queueName }));
    await page.getByRole('button', { name: 'Redrive all' }).click();
    await expectVisible(page.locator('#deadletter-result').getByText(/^Redriven [1-9]/));
    await waitForCount(deadRow, 0);
    await page.getByRole('link', { name: 'Overview' }).click();
    await expectVisible(page.locator('#ov-dead').filter({ hasText: /^\d+\+?$/ }));
    await expectVisible(page.locator('#ov-devices').filter({ hasText: /^[1-9]\d*\+?$/ }));
    await shot(page, '10-overview');
    // Disable, enable, then remove the route and the endpoint through the page.
    await page.getByRole('link', { name: 'Routing' }).click();
    const routeRow = page.locator(`#routes tr[data-route="${run}-route"]`);
    await routeRow.getByRole('button', { name: 'Disable' }).click();
    await expectVisible(routeRow.locator('.badge').getByText('disabled', { exact: true }));
    await routeRow.getByRole('button', { name: 'Enable' }).click();
    await expectVisible(routeRow.locator('.badge').getByText('enabled', { exact: true }));
    await routeRow.getByRole('button', { name: 'Remove' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
    await waitForCount(routeRow, 0);
    const endpointRow = page.locator(`#endpoints tr[data-endpoint="${queueName}"]`);
    await endpointRow.getByRole('button', { name: 'Remove' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
    await waitForCount(endpointRow, 0);
    expect((await service().call('GET', `/routes/${run}-route`)).status).toBe(404);
    sqs.destroy();
  });
});

describe('a policy without the permissions', () => {
  it('disables what registryRead may not do, and the API refuses it when forced', async () => {
    const policies = await readPolicies();
    const readOnly = policies.get('registryRead');
    if (!readOnly) throw new Error('no registryRead');
    const p = await newPage();
    await signIn(p, serviceConnectionString('localhost', 'registryRead', readOnly.primaryKey));
    await expectVisible(p.locator('header strong').getByText('registryRead', { exact: true }));
    await p.getByRole('link', { name: 'Devices' }).click();
    await findDevice(p, deviceId);
    const create = p.getByRole('button', { name: 'Create device' });
    expect(await create.isDisabled()).toBe(true);
    expect(await p.locator(`#devices tr[data-device="${deviceId}"]`).getByRole('button', { name: 'Delete' }).isDisabled()).toBe(true);
    await expectVisible(p.getByText('The registryRead policy lacks the RegistryWrite permission.').first());
    await shot(p, '09-registry-read-devices');

    // Forced past the disabled button, the hub still says no, and the page says so.
    await create.evaluate((b) => b.removeAttribute('disabled'));
    await p.locator('#new-device-id').fill(`${run}-forbidden`);
    await create.click();
    await expectVisible(
      p
        .locator('#created')
        .getByRole('alert')
        .filter({ hasText: /Not allowed \(403\)/ }),
    );
    await expect(service().getDevice(`${run}-forbidden`)).rejects.toThrow(/404|DeviceNotFound/);

    await p.getByRole('link', { name: 'Telemetry' }).click();
    await expectVisible(p.getByText(/lacks the ServiceConnect permission/));
    await p.getByRole('link', { name: 'Commands' }).click();
    expect(await p.getByRole('button', { name: 'Send command' }).isDisabled()).toBe(true);
    await p.getByRole('link', { name: 'Routing' }).click();
    expect(await p.getByRole('button', { name: 'Test condition' }).isDisabled()).toBe(true);
    expect(await p.getByRole('button', { name: 'Redrive all' }).isDisabled()).toBe(true);
    expect(await p.getByRole('button', { name: 'Save route' }).isDisabled()).toBe(true);
    await p.close();
  });

  it('gives the service policy commands and telemetry but not the registry', async () => {
    const svc = (await readPolicies()).get('service');
    if (!svc) throw new Error('no service policy');
    const p = await newPage();
    await signIn(p, serviceConnectionString('localhost', 'service', svc.primaryKey));
    await p.getByRole('link', { name: 'Devices' }).click();
    await expectVisible(p.getByText(/lacks the RegistryRead permission. The device list is not available/));
    await p.getByRole('link', { name: 'Commands' }).click();
    expect(await p.getByRole('button', { name: 'Send command' }).isDisabled()).toBe(false);
    await p.close();
  });

  it('left no script or CSP errors in any page', () => {
    expect(pageProblems.filter((t) => !/status of 40[134]/.test(t))).toEqual([]);
  });
});

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

/** Filters the device list by id and loads pages until the device's row shows (the hub lists in no order). */
async function findDevice(p: Page, id: string): Promise<ReturnType<Page['locator']>> {
  await p.locator('#filter-prefix').fill(id);
  const row = p.locator(`#devices tr[data-device="${id}"]`);
  const more = p.getByRole('button', { name: 'Load more' });
  const deadline = Date.now() + 60_000;
  while ((await row.count()) === 0 && Date.now() < deadline) {
    if (await more.isEnabled()) await more.click();
    await p.waitForTimeout(200);
  }
  await expectVisible(row);
  return row;
}

async function expectVisible(locator: ReturnType<Page['locator']>, timeout = 20_000): Promise<void> {
  await locator.waitFor({ state: 'visible', timeout });
}

async function waitForCount(locator: ReturnType<Page['locator']>, count: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await locator.count()) !== count) {
    if (Date.now() > deadline) throw new Error(`expected ${count} of ${String(locator)}, found ${await locator.count()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
