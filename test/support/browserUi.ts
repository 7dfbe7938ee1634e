/**
 * One small driver for the console's browser tests, the same for Chromium and Firefox: puppeteer-core
 * talks CDP to Debian's Chromium and WebDriver BiDi to Debian's stock firefox-esr (Playwright's
 * Firefox needs its own patched build, and its BiDi mode asks Firefox 153 ESR for commands it lacks).
 *
 * Elements are found in the page by what a user sees (a button's name, a label's text, an alert's
 * text), resolved by one function that runs in the page, so both browsers answer the same query the
 * same way. A query waits until its element is visible; nothing is clicked that the user could not see.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type ElementHandle, type Page } from 'puppeteer-core';

export type BrowserName = 'chromium' | 'firefox';

/** Where each browser lives (Debian's packages; `.ci/run` installs them) and how to override it. */
export const browserExecutables: Record<BrowserName, { path: string; env: string; apt: string }> = {
  chromium: { path: process.env.DEVHUB_CHROMIUM ?? '/usr/bin/chromium', env: 'DEVHUB_CHROMIUM', apt: 'chromium' },
  firefox: { path: process.env.DEVHUB_FIREFOX ?? '/usr/bin/firefox-esr', env: 'DEVHUB_FIREFOX', apt: 'firefox-esr' },
};

export interface LaunchedBrowser {
  browser: Browser;
  close(): Promise<void>;
}

export async function launchBrowser(name: BrowserName): Promise<LaunchedBrowser> {
  const exe = browserExecutables[name];
  if (!existsSync(exe.path)) throw new Error(`${exe.path} is missing: apt-get install ${exe.apt} (.ci/run does), or set ${exe.env}`);
  const userDataDir = mkdtempSync(join(tmpdir(), `devhub-${name}-`));
  const browser =
    name === 'chromium'
      ? await puppeteer.launch({
          browser: 'chrome',
          executablePath: exe.path,
          headless: true,
          userDataDir,
          defaultViewport: { width: 1366, height: 900 },
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
          ],
        })
      : await puppeteer.launch({
          browser: 'firefox',
          executablePath: exe.path,
          headless: true,
          userDataDir,
          defaultViewport: { width: 1366, height: 900 },
          // A throwaway profile (userDataDir) with no first-run prompts.
          extraPrefsFirefox: { 'browser.shell.checkDefaultBrowser': false, 'datareporting.policy.dataSubmissionEnabled': false },
        });
  return {
    browser,
    async close() {
      await browser.close().catch(() => undefined);
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** A text to match: a string is an exact match of the trimmed text, a RegExp a search. */
export type TextMatch = string | RegExp;

interface SerialText {
  exact?: string;
  source?: string;
  flags?: string;
}

/** What identifies an element, as the page sees it (serialisable: it runs in the page). */
export interface Query {
  /** CSS selector of the candidates. */
  css: string;
  /** Candidates whose text (or value, or accessible name) matches. */
  text?: SerialText;
  /** How the text is read: the element's text, or the accessible name of a form control via its label. */
  by?: 'text' | 'label' | 'smallest-text';
  within?: Query;
  nth?: number | 'first';
  /** Count hidden elements too (for counting rows that must be gone). */
  hidden?: boolean;
  describe: string;
}

function serial(t: TextMatch): SerialText {
  return typeof t === 'string' ? { exact: t } : { source: t.source, flags: t.flags };
}

function show(t: TextMatch): string {
  return typeof t === 'string' ? JSON.stringify(t) : String(t);
}

/** Queries modelled on what the Playwright suite used (getByRole, getByLabel, getByText, locator). */
export const q = {
  css: (css: string): Query => ({ css, describe: css }),
  button: (name: TextMatch): Query => ({
    css: 'button, [role="button"], input[type="submit"]',
    text: serial(name),
    describe: `button ${show(name)}`,
  }),
  link: (name: TextMatch): Query => ({ css: 'a[href]', text: serial(name), describe: `link ${show(name)}` }),
  heading: (name: TextMatch): Query => ({ css: 'h1, h2, h3, h4, h5, h6', text: serial(name), describe: `heading ${show(name)}` }),
  alert: (text: TextMatch): Query => ({
    css: '[role="alert"]',
    text: serial(typeof text === 'string' ? new RegExp(escape(text)) : text),
    describe: `alert ${show(text)}`,
  }),
  dialog: (): Query => ({ css: 'dialog[open], [role="dialog"]', describe: 'dialog' }),
  label: (name: TextMatch): Query => ({
    css: 'input, select, textarea',
    text: serial(name),
    by: 'label',
    describe: `field labelled ${show(name)}`,
  }),
  /** The smallest element whose text contains a string or matches a RegExp (as getByText). */
  text: (text: TextMatch): Query => ({
    css: 'body *',
    text: serial(typeof text === 'string' ? new RegExp(escape(text)) : text),
    by: 'smallest-text',
    describe: `text ${show(text)}`,
  }),
};

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Narrowing and picking, as Playwright's locator.filter/first/nth/getBy* did. */
export function within(outer: Query, inner: Query): Query {
  return { ...inner, within: outer, describe: `${inner.describe} in ${outer.describe}` };
}
export function withText(query: Query, text: TextMatch): Query {
  return { ...query, text: serial(text), by: 'text', describe: `${query.describe} with text ${show(text)}` };
}
export function first(query: Query): Query {
  return { ...query, nth: 'first', describe: `first ${query.describe}` };
}
export function nth(query: Query, n: number): Query {
  return { ...query, nth: n, describe: `${query.describe} #${n}` };
}

/** The few DOM shapes the in-page code uses (the project compiles without the DOM library). */
export interface PageElement {
  tagName: string;
  textContent: string | null;
  children: ArrayLike<PageElement>;
  id: string;
  type?: string;
  value?: string;
  checked?: boolean;
  disabled?: boolean;
  labels?: ArrayLike<PageElement> | null;
  getClientRects(): { length: number };
  getAttribute(name: string): string | null;
  removeAttribute(name: string): void;
  querySelectorAll(css: string): ArrayLike<PageElement>;
  dispatchEvent(e: unknown): boolean;
}
interface PageGlobals {
  document: { querySelectorAll(css: string): ArrayLike<PageElement>; getElementById(id: string): PageElement | null };
  getComputedStyle(e: PageElement): { visibility: string; display: string };
  Event: new (type: string, init: { bubbles: boolean }) => unknown;
}

/**
 * Runs in the page: the one element the query matches ('one'), or how many it matches ('count');
 * visible elements only unless `hidden`. Self-contained: puppeteer sends its source to the page.
 */
function resolveInPage(query: Query, mode: string): PageElement | number | undefined {
  const g = globalThis as unknown as PageGlobals;
  const visible = (e: PageElement): boolean => {
    if (e.getClientRects().length === 0) return false;
    const style = g.getComputedStyle(e);
    return style.visibility !== 'hidden' && style.display !== 'none';
  };
  const norm = (s: string | null | undefined): string => (s ?? '').replace(/\s+/g, ' ').trim();
  const matches = (t: SerialText, s: string | null): boolean =>
    t.exact !== undefined ? norm(s) === t.exact : new RegExp(t.source ?? '', t.flags).test(norm(s));
  const ownText = (e: PageElement): string => {
    if (e.tagName === 'INPUT' && (e.type === 'submit' || e.type === 'button')) return e.value ?? '';
    return e.getAttribute('aria-label') ?? e.textContent ?? '';
  };
  const labelTexts = (e: PageElement): string[] => {
    const names: string[] = [];
    const aria = e.getAttribute('aria-label');
    if (aria) names.push(aria);
    const labelled = e.getAttribute('aria-labelledby');
    if (labelled)
      names.push(
        labelled
          .split(/\s+/)
          .map((id) => g.document.getElementById(id)?.textContent ?? '')
          .join(' '),
      );
    for (const l of Array.from(e.labels ?? [])) names.push(l.textContent ?? '');
    return names;
  };
  const run = (qq: Query): PageElement[] => {
    const roots = qq.within ? run(qq.within) : [g.document];
    let found: PageElement[] = [];
    for (const root of roots) found.push(...Array.from(root.querySelectorAll(qq.css)));
    found = Array.from(new Set(found));
    if (!qq.hidden) found = found.filter(visible);
    const t = qq.text;
    if (t) {
      if (qq.by === 'label') found = found.filter((e) => labelTexts(e).some((n) => matches(t, n)));
      else if (qq.by === 'smallest-text')
        found = found.filter((e) => matches(t, e.textContent) && !Array.from(e.children).some((c) => matches(t, c.textContent)));
      else found = found.filter((e) => matches(t, ownText(e)));
    }
    if (qq.nth === 'first') return found.slice(0, 1);
    if (typeof qq.nth === 'number') return found.slice(qq.nth, qq.nth + 1);
    return found;
  };
  const all = run(query);
  if (mode === 'count') return all.length;
  return all.length === 1 ? all[0] : undefined;
}

/** Runs in the page: sets a field's value as typing would and fires its input and change events. */
function setValueInPage(e: PageElement, value: string): void {
  const g = globalThis as unknown as PageGlobals & Record<string, { prototype: object }>;
  const proto = e.tagName === 'TEXTAREA' ? g['HTMLTextAreaElement'] : g['HTMLInputElement'];
  // The prototype's setter, as a user's typing would go through (a framework may shadow `value`).
  Object.getOwnPropertyDescriptor(proto?.prototype ?? {}, 'value')?.set?.call(e, value);
  e.dispatchEvent(new g.Event('input', { bubbles: true }));
  e.dispatchEvent(new g.Event('change', { bubbles: true }));
}

/** A page and the operations the console scenarios perform on it. */
export class Ui {
  constructor(
    readonly page: Page,
    private readonly defaultTimeout = 20_000,
  ) {}

  /** Waits until the query matches exactly one element (or its first with `first()`), visible. */
  async find(query: Query, timeout = this.defaultTimeout): Promise<ElementHandle> {
    try {
      const handle = await this.page.waitForFunction(resolveInPage, { timeout, polling: 100 }, query, 'one');
      const el = handle.asElement();
      if (!el) throw new Error('not an element');
      return el as ElementHandle;
    } catch (e) {
      const count = await this.count(query).catch(() => -1);
      throw new Error(`${query.describe}: expected one visible element within ${timeout} ms, found ${count} (${(e as Error).message})`);
    }
  }

  async visible(query: Query, timeout = this.defaultTimeout): Promise<void> {
    await (await this.find(query, timeout)).dispose();
  }

  async count(query: Query): Promise<number> {
    return (await this.page.evaluate(resolveInPage, query, 'count')) as number;
  }

  async waitForCount(query: Query, count: number, timeoutMs = this.defaultTimeout): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((await this.count(query)) !== count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} of ${query.describe}, found ${await this.count(query)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async click(query: Query): Promise<void> {
    // The page re-renders lists while it loads: an element found just before a re-render is
    // detached by the time it is clicked, or (Firefox over BiDi, seen once in a fresh-clone CI run)
    // has no clickable box yet while the view lays out. Look again a moment later, as a user would;
    // a re-render that lost what the test typed still fails the test's own assertions.
    for (let attempt = 1; ; attempt++) {
      const el = await this.find(query);
      try {
        await el.click();
        return;
      } catch (err) {
        if (attempt >= 3 || !/detached|not connected|not clickable/i.test((err as Error).message)) throw err;
      } finally {
        await el.dispose().catch(() => undefined);
      }
      await new Promise((r) => setTimeout(r, 150));
    }
  }

  /** Replaces a field's value as typing would: focus, set, input and change events. */
  async fill(query: Query, value: string): Promise<void> {
    const el = await this.find(query);
    await el.focus();
    await el.evaluate(setValueInPage as (e: unknown, v: string) => void, value);
    await el.dispose();
  }

  async check(query: Query): Promise<void> {
    const el = await this.find(query);
    if (!(await el.evaluate((e) => (e as unknown as PageElement).checked === true))) await el.click();
    await el.dispose();
  }

  async select(query: Query, value: string): Promise<void> {
    const el = await this.find(query);
    await el.select(value);
    await el.dispose();
  }

  async value(query: Query): Promise<string> {
    const el = await this.find(query);
    const v = await el.evaluate((e) => (e as unknown as PageElement).value ?? '');
    await el.dispose();
    return v;
  }

  async disabled(query: Query): Promise<boolean> {
    const el = await this.find(query);
    const v = await el.evaluate((e) => (e as unknown as PageElement).disabled === true);
    await el.dispose();
    return v;
  }

  async enabled(query: Query): Promise<boolean> {
    return (await this.count(query)) === 1 && !(await this.disabled(query));
  }

  async box(query: Query): Promise<{ x: number; y: number; width: number; height: number }> {
    const el = await this.find(query);
    const b = await el.boundingBox();
    await el.dispose();
    if (!b) throw new Error(`${query.describe} has no box`);
    return b;
  }

  async removeAttribute(query: Query, name: string): Promise<void> {
    const el = await this.find(query);
    await el.evaluate((e, n) => (e as unknown as PageElement).removeAttribute(n), name);
    await el.dispose();
  }
}
