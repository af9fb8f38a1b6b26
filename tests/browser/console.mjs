// console.mjs -- the browser tests' library: Debian's chromium, headless,
// driven by playwright-core (pinned in package.json), against a daemon the
// calling .t file started (tests/browser/browser.sh).
//
// A scenario is a module that calls run(async (b) => { ... }).  Each check
// prints one line, "ok DESCRIPTION" or "not ok DESCRIPTION" followed by
// "# " lines saying why, which browser.sh turns into TAP through lib.sh.
// Any JavaScript error in a page (an exception, console.error) is a failed
// check of its own.  Screenshots go to $T_SCREENSHOTS as PAGE-WIDTH.png.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';

const BASE = process.env.SAUTI_URL;
const SHOTS = process.env.T_SCREENSHOTS || '';
const TIMEOUT = Number(process.env.BROWSER_TIMEOUT_MS || 15000);

function say(ok, desc, why) {
  process.stdout.write(`${ok ? 'ok' : 'not ok'} ${desc}\n`);
  if (!ok && why) for (const line of String(why).split('\n')) process.stdout.write(`# ${line}\n`);
}

// The browser's messages that are no JavaScript error: a fetch the server
// answered with an error status (the console shows the API's sentence for
// it, which the scenarios check).
const NETWORK = /^Failed to load resource: the server responded with a status of [45]\d\d/;

class Browser {
  constructor(browser) {
    this.browser = browser;
    this.errors = [];
    this.pages = [];
  }

  // A new page (its own context: own cookies and storage) at a width.
  async page(width = 1280, {context} = {}) {
    const ctx = context || await this.browser.newContext({
      viewport: {width, height: width < 600 ? 740 : 900}, baseURL: BASE, acceptDownloads: true,
      deviceScaleFactor: 1});
    const page = await ctx.newPage();
    page.setDefaultTimeout(TIMEOUT);
    page.on('pageerror', (e) => this.errors.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && !NETWORK.test(m.text())) this.errors.push(`console.error: ${m.text()}`);
    });
    this.pages.push(page);
    return page;
  }

  async check(desc, fn) {
    try {
      const r = await fn();
      if (r === false) say(false, desc, 'the check was false');
      else say(true, desc);
      return true;
    } catch (e) {
      say(false, desc, e && e.stack ? e.stack.split('\n').slice(0, 4).join('\n') : e);
      return false;
    }
  }

  async shot(page, name) {
    if (!SHOTS) return;
    fs.mkdirSync(SHOTS, {recursive: true});
    const width = page.viewportSize().width;
    await page.screenshot({path: path.join(SHOTS, `${name}-${width}.png`), fullPage: true});
  }

  // The page as it is at 360 and at 1280 px (the viewport resized and put
  // back, so what the page shows stays), a screenshot of each; returns how
  // wide the document is at 360 px.
  async shots(page, name) {
    const size = page.viewportSize();
    let wide = 0;
    for (const width of [360, 1280]) {
      await page.setViewportSize({width, height: width < 600 ? 740 : 900});
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      if (width === 360) wide = await page.evaluate(() => document.documentElement.scrollWidth);
      await this.shot(page, name);
    }
    await page.setViewportSize(size);
    return wide;
  }
}

export async function signIn(page, token) {
  await page.goto('/');
  await page.getByLabel(/Tokeni ya API|API token/).fill(token);
  await page.getByRole('button', {name: /^(Ingia|Sign in)$/}).click();
  await page.locator('#nav a').first().waitFor();
}

export async function run(scenario) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    // as root (CI) chromium has no sandbox to drop into
    args: process.getuid && process.getuid() === 0 ? ['--no-sandbox'] : [],
  });
  const b = new Browser(browser);
  let failed = false;
  try {
    await scenario(b);
  } catch (e) {
    failed = true;
    say(false, 'the scenario ran to its end', e && e.stack ? e.stack.split('\n').slice(0, 6).join('\n') : e);
  }
  say(b.errors.length === 0, 'no JavaScript error in any page', b.errors.join('\n'));
  await browser.close();
  process.exit(failed ? 1 : 0);
}

export const expect = {
  async text(locator, re) {
    await locator.first().waitFor();
    const deadline = Date.now() + TIMEOUT;
    let got = '';
    while (Date.now() < deadline) {
      got = await locator.first().innerText();
      if (re.test(got)) return got;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`'${got}' does not match ${re}`);
  },
};
