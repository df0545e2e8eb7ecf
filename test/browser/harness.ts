// Browser tests' harness: the whole system as `npm start` runs it (every service a child process,
// recommendations included, behind the gateway), the storefront as one more child that the gateway
// serves at `/`, and Debian's Chromium driven by playwright-core (no downloaded browser). Collects
// console errors and runs axe-core in each page; saves a screenshot per step under
// test/browser/artifacts/ (gitignored).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeTcpPort, onProcessExit, TEST_REDIS_URL, uniqueName } from '@mercato/testing';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { type System, type SystemOptions, startSystem } from '../support/system.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const ARTIFACTS = path.join(root, 'test/browser/artifacts');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Shop {
  system: System;
  /** The gateway: the storefront at `/`, the API under its prefixes. */
  url: string;
  browser: Browser;
  /** The storefront's last log lines (stderr). */
  webLog(): string;
  stop(): Promise<void>;
}

async function waitHealthy(url: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`web exited at start: ${stderr()}`);
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`web did not become healthy: ${stderr()}`);
}

/** Starts the system, the storefront and Chromium (a fresh profile per launch: playwright's own temp dir). */
export async function startShop(opts: SystemOptions = {}): Promise<Shop> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const webPort = await freeTcpPort();
  const webUrl = `http://127.0.0.1:${webPort}`;
  const system = await startSystem({
    childProcesses: 'all',
    parallelStart: true,
    // The home page's popular books and the product page's "bought together" come from it.
    recommendations: true,
    ...opts,
    env: {
      ...opts.env,
      // The storefront calls the API from this machine, naming each visitor (X-Forwarded-For).
      gateway: { WEB_URL: webUrl, TRUSTED_PROXIES: 'loopback', ...(opts.env?.gateway ?? {}) },
    },
  });
  let stderr = '';
  const web = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'services/web/src/server.ts')], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(webPort),
      HOST: '127.0.0.1',
      LOG_LEVEL: process.env.WEB_LOG_LEVEL ?? 'warn',
      API_URL: system.gatewayUrl,
      REDIS_URL: TEST_REDIS_URL,
      SESSION_REDIS_PREFIX: `${uniqueName('web')}:sess:`,
      ORDER_POLL_MS: '300',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  web.stderr?.on('data', (d) => {
    stderr = (stderr + d.toString()).slice(-8000);
  });
  const cancel = onProcessExit(() => web.kill('SIGKILL'));
  let browser: Browser | undefined;
  try {
    await waitHealthy(webUrl, web, () => stderr);
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium`);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  } catch (err) {
    web.kill('SIGKILL');
    cancel();
    await system.stop();
    throw err;
  }
  const exited = new Promise((r) => web.once('exit', r));
  return {
    system,
    url: system.gatewayUrl,
    browser,
    webLog: () => stderr,
    async stop() {
      await browser?.close().catch(() => {});
      web.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (web.exitCode === null) web.kill('SIGKILL');
      cancel();
      // Bounded: a broker that stopped answering must not hold the test run (the schemas stay then).
      await Promise.race([system.stop(), new Promise((r) => setTimeout(r, 60_000).unref())]);
    },
  };
}

export interface Watched {
  context: BrowserContext;
  page: Page;
  consoleErrors: string[];
  /** axe's serious and critical violations, per step */
  violations: { step: string; id: string; impact: string; nodes: string[] }[];
  /** Screenshot + axe for the page as it is now. */
  step(name: string): Promise<void>;
}

let stepNo = 0;

/** A browser context (its own cookies) with a page whose console errors and a11y are recorded. */
export async function watchedPage(
  browser: Browser,
  who: string,
  viewport = { width: 390, height: 844 },
): Promise<Watched> {
  // bypassCSP: only so that the test can inject axe-core; the shop's own pages need no exception.
  const context = await browser.newContext({ viewport, bypassCSP: true, acceptDownloads: true });
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  const violations: Watched['violations'] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(`${page.url()}: ${msg.text()}`);
  });
  page.on('pageerror', (err) => consoleErrors.push(`${page.url()}: ${err.message}`));
  return {
    context,
    page,
    consoleErrors,
    violations,
    async step(name) {
      stepNo += 1;
      const file = `${String(stepNo).padStart(2, '0')}-${who}-${name}.png`;
      await page.screenshot({ path: path.join(ARTIFACTS, file), fullPage: true });
      if (!(await page.evaluate(() => 'axe' in globalThis))) await page.addScriptTag({ content: axeSource });
      const result = (await page.evaluate(() =>
        (globalThis as unknown as { axe: { run(): Promise<unknown> } }).axe.run(),
      )) as { violations: { id: string; impact: string; nodes: { target: string[] }[] }[] };
      for (const v of result.violations)
        if (v.impact === 'serious' || v.impact === 'critical')
          violations.push({
            step: name,
            id: v.id,
            impact: v.impact,
            nodes: v.nodes.map((n) => n.target.join(' ')),
          });
    },
  };
}
