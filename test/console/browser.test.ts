// The admin console in a real browser: Debian's chromium driven by playwright-core. Signs in
// (a wrong token, a chat token, then an admin token typed with the keyboard only), walks every
// page with the keyboard, runs axe-core on each (no serious or critical violations), checks the
// CSP header, that no request leaves the console's origin and that no CSP violation or script
// error happens, copies a command, and logs out. The screenshots in the README (docs/console/)
// are taken here, of the service under a little real traffic; they are written there with
//   UPDATE_SCREENSHOTS=1 npx vitest run test/console/   (then look at them)
// and otherwise only taken (so a test run leaves the work tree as it was).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKFLOW_KEY_FILE } from '../../contract/audit-log.js';
import { AUDIT_LOG_FILE, parseKeyring } from '../../contract/keyring-file.js';
import type { MonitoringConfig } from '../../contract/monitoring-config.js';
import { parse } from 'yaml';
import { buildAdminApp, buildApp } from '../../service/src/app.js';
import { Slots } from '../../service/src/engine/slots.js';
import { ApiError } from '../../service/src/errors.js';
import { repoRoot } from '../helpers/env.js';
import { HOSTILE_ENV, HOSTILE_KEY_ID, hostileAuditFile } from '../helpers/keys.js';
import { scriptedDeps } from '../helpers/service.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(repoRoot, 'docs/console');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// CI installs chromium (.ci/run); elsewhere, without it, these tests say so and skip.
describe.skipIf(!existsSync(CHROMIUM) && !process.env.CI)('admin console in chromium', () => {
  const { deps, keys, ring, engine, close } = scriptedDeps();
  let admin: FastifyInstance;
  let api: FastifyInstance;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const requests: string[] = [];
  const problems: string[] = [];
  /** Answers of 400 and above: only the two refused sign-ins may be among them. */
  const failures: string[] = [];

  /** Real traffic through the API for the charts: 20–320 ms answers holding one of 4 sequences (6 clients: a queue at times), every 17th a 503, some cache hits. */
  async function traffic(apiUrl: string, ms: number) {
    const chat = engine.chat.bind(engine);
    const sequences = new Slots(['s0', 's1', 's2', 's3'], 16);
    engine.busySequences = () => sequences.busy;
    engine.queueDepth = () => sequences.depth;
    let n = 0;
    engine.chat = async (req, onDelta) => {
      n += 1;
      const seq = await sequences.acquire(req.signal);
      await sleep(20 + ((n * 37) % 300)).finally(() => sequences.release(seq));
      if (n % 17 === 0) throw new ApiError('shutting_down');
      return chat(req, onDelta);
    };
    const until = Date.now() + ms;
    const worker = async (w: number) => {
      for (let i = 0; Date.now() < until; i++)
        await fetch(`${apiUrl}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${keys.chat.key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ messages: [{ role: 'user', content: `question ${w}.${i % 5}` }], temperature: i % 3 === 0 ? 0 : 0.7 }),
        });
    };
    await Promise.all([0, 1, 2, 3, 4, 5].map(worker));
  }

  beforeAll(async () => {
    // The repository's dev keyring (a retiring, a revoked and an active key) plus the test's keys.
    ring.write([...parseKeyring(readFileSync(join(repoRoot, 'keyrings/dev.json'), 'utf8')).keys, keys.chat.entry, keys.admin.entry]);
    deps.keyring!.reload('test');
    deps.startedAt = Date.now();
    // As npm start configures dev, with the Redis cache the scripted deps have (in memory).
    deps.config = { ...deps.config, listen: { host: '127.0.0.1', port: 18789, adminPort: 8080 }, cache: { redis: { enabled: true, url: 'redis://127.0.0.1:6379', ttlSeconds: 3600 } } };
    // npm start hands the console dev's monitoring config (a pod reads it from its ConfigMap's file).
    const monitoring = JSON.parse(parse(readFileSync(join(repoRoot, 'rendered/dev/kubernetes/monitoring-config.yaml'), 'utf8')).data['monitoring.json']) as MonitoringConfig;
    admin = buildAdminApp(deps, { audit: { log: join(repoRoot, AUDIT_LOG_FILE), workflowKey: join(repoRoot, WORKFLOW_KEY_FILE) }, repoRoot, sampleMs: 500, monitoring: () => monitoring });
    api = buildApp(deps);
    base = await admin.listen({ host: '127.0.0.1', port: 0 });
    const apiUrl = await api.listen({ host: '127.0.0.1', port: 0 });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    page = await context.newPage();
    page.on('request', (r) => requests.push(r.url()));
    page.on('response', (r) => void (r.status() >= 400 && failures.push(`${r.request().method()} ${r.url().slice(base.length)} ${r.status()}`)));
    // A CSP violation or a script error is a console error; a refused sign-in's status is one too ("Failed to load resource"), counted by `failures`.
    page.on('console', (m) => void (m.type() === 'error' && !m.text().startsWith('Failed to load resource') && problems.push(`console: ${m.text()}`)));
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('dialog', (d) => void (problems.push(`dialog: ${d.message()}`), d.dismiss()));
    await traffic(apiUrl, 6000);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await admin?.close();
    await api?.close();
    close();
  });

  const signIn = async (token: string) => {
    await page.fill('#token', token);
    await page.click('button[type=submit]');
  };

  /** axe-core in the page (evaluated by the driver, so the page's CSP is not loosened for it). */
  async function axeViolations(): Promise<string[]> {
    await page.evaluate(readFileSync(join(repoRoot, 'node_modules/axe-core/axe.min.js'), 'utf8'));
    const result = await page.evaluate(async () => (globalThis as unknown as { axe: { run: () => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe.run());
    return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}) at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  }

  const shot = async (name: string) => {
    const png = await page.screenshot({ fullPage: true });
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    if (!process.env.UPDATE_SCREENSHOTS) return;
    mkdirSync(SHOTS, { recursive: true });
    writeFileSync(join(SHOTS, `${name}.png`), png);
  };

  it('without a session, / lands on the login page, with the CSP and X-Frame-Options headers', async () => {
    const r = await page.goto(`${base}/`);
    expect(page.url()).toBe(`${base}/login`);
    expect(r!.headers()['content-security-policy']).toBe("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'");
    expect(r!.headers()['x-frame-options']).toBe('DENY');
    expect(await page.textContent('h1')).toBe('Sign in');
    expect(await axeViolations()).toEqual([]);
    await shot('login');
  });

  it('refuses a wrong token and a chat-scope token, each with its message', async () => {
    await signIn('sb_wrong_0123456789abcdefghijklmnop');
    expect(await page.textContent('[role=alert]')).toBe('Not accepted: Invalid API key or token.');
    await signIn(keys.chat.key);
    expect(await page.textContent('[role=alert]')).toContain('This credential has chat scope only: the console needs an admin-scope API key or JWT');
    expect(page.url()).toBe(`${base}/login`);
    expect(await axeViolations()).toEqual([]);
  });

  it('signs in with the keyboard only, and walks every page with the keyboard', async () => {
    await page.goto(`${base}/login`);
    // Tab: the skip link, then the token field; Enter submits the form.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('token');
    await page.keyboard.type(keys.admin.key);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/`);
    expect(await page.textContent('h1')).toBe('Overview');
    for (const [label, path] of [['Keys', '/keys'], ['Audit', '/audit'], ['Config', '/config'], ['Overview', '/']] as const) {
      // Tab until the navigation link has focus (bounded), then follow it with Enter.
      for (let i = 0; i < 15 && (await page.evaluate(() => document.activeElement?.textContent)) !== label; i++) await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe(label);
      await page.keyboard.press('Enter');
      await page.waitForURL(`${base}${path}`);
      expect(await page.textContent('h1')).toBe(label);
      expect(await page.getAttribute(`nav a[href="${path}"]`, 'aria-current')).toBe('page');
    }
  });

  it('overview: the pod, readiness, cache and seven charts with the alert thresholds, busy sequences among them', async () => {
    await page.goto(`${base}/`);
    const facts = await page.locator('main').innerText();
    expect(facts).toMatch(/Readiness\s+ready/);
    expect(facts).toMatch(/Cache\s+Redis, TTL \d+ s, hit ratio \d+(\.\d+)? % \(\d+ of \d+ lookups\)/);
    expect(facts).toMatch(/Autoscaling\s+not autoscaled/);
    expect(await page.locator('svg.chart').count()).toBe(7);
    expect(await page.locator('svg.chart line.threshold').count()).toBe(4);
    expect(await page.locator('#chart-busy-title').textContent()).toMatch(/^Busy sequences, last \d+ s: now busy \d+ %, busy \+ waiting \d+ %$/);
    // The traffic kept sequences busy: the busy line is above 0 somewhere.
    expect(await page.locator('#chart-busy-title').evaluate((t) => t.parentElement!.querySelectorAll('polyline.s1').length)).toBeGreaterThan(0);
    expect(await page.locator('#chart-latency-title').textContent()).toMatch(/^Latency p50 and p99, last \d+ s: now p50 [\d.]+ s, p99 [\d.]+ s; alert threshold 2 s$/);
    expect(await page.locator('#chart-errors-title').textContent()).toMatch(/alert threshold 5 %$/);
    expect(await axeViolations()).toEqual([]);
    await shot('overview');
  });

  it('keys: the keyring without hashes, each key with its command; Copy puts it on the clipboard', async () => {
    await page.goto(`${base}/keys`);
    const rows = await page.locator('tbody tr').allInnerTexts();
    expect(rows.find((r) => r.startsWith('ops.1'))).toMatch(/^ops\.1\tadmin\trevoked\t2026-11-26 21:55\t—\t—$/);
    expect(rows.find((r) => r.startsWith('ci.2'))).toContain('npx smartbot keys rotate --env dev --id ci --overlap 24h --reason "…"');
    expect(await page.content()).not.toContain('96cb8117d45d');
    const button = page.locator('tr', { hasText: 'ci.2' }).locator('button.copy').first();
    await shot('keys');
    await button.click();
    await expect.poll(() => button.textContent()).toBe('Copied');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe('npx smartbot keys rotate --env dev --id ci --overlap 24h --reason "…"');
    expect(await axeViolations()).toEqual([]);
  });

  it("audit: the repository's key history for dev, verified", async () => {
    await page.goto(`${base}/audit`);
    expect(await page.textContent('[role=status]')).toMatch(/^✔ The key history verifies\. \d+ entries, hash chain intact, \d+ signed\.$/);
    expect(await page.locator('tbody tr').first().innerText()).toMatch(/^\d+\t\d{4}-\d\d-\d\d \d\d:\d\d\t\w+\t/);
    expect(await axeViolations()).toEqual([]);
    await shot('audit');
  });

  it('config: the service config as the pod runs it', async () => {
    await page.goto(`${base}/config`);
    const config = JSON.parse((await page.textContent('pre.config'))!);
    expect(config.environment).toBe('dev');
    // Thresholds are not in runtime.json (no checksum, no restart): they are shown beside it.
    expect(config.alerts).toBeUndefined();
    const monitoring = JSON.parse((await page.textContent('pre.monitoring'))!);
    expect(monitoring.alerts.p99LatencySeconds).toEqual({ threshold: 2, for: '5m' });
    expect(await axeViolations()).toEqual([]);
    await shot('config');
  });

  it('logs out: the cookie is gone and / is the login page again', async () => {
    await page.click('text=Log out');
    await page.waitForURL(`${base}/login`);
    expect((await context.cookies()).filter((c) => c.name === 'smartbot_console')).toEqual([]);
    await page.goto(`${base}/`);
    expect(page.url()).toBe(`${base}/login`);
  });

  it('shows an environment name and an audit key id holding HTML as text: nothing runs', async () => {
    const hostile = scriptedDeps(keys);
    hostile.deps.config = { ...hostile.deps.config, environment: HOSTILE_ENV };
    const app = buildAdminApp(hostile.deps, { audit: hostileAuditFile(HOSTILE_ENV) });
    try {
      const url = await app.listen({ host: '127.0.0.1', port: 0 });
      const other = await context.newPage();
      other.on('dialog', (d) => void (problems.push(`dialog: ${d.message()}`), d.dismiss()));
      await other.goto(`${url}/login`);
      await other.fill('#token', keys.admin.key);
      await other.click('button[type=submit]');
      // The sign-in's redirect first: a page load started before its cookie is set lands on /login.
      await other.waitForURL((u) => u.pathname !== '/login');
      await other.goto(`${url}/audit`);
      expect(await other.textContent('.env')).toBe(HOSTILE_ENV);
      expect(await other.locator('tbody th').first().textContent()).toBe(HOSTILE_KEY_ID);
      expect(await other.locator('script').count()).toBe(1);
      expect(await other.locator('main img').count()).toBe(0);
      await other.close();
    } finally {
      hostile.close();
      await app.close();
    }
  });

  it('no request left the origin, and nothing broke the CSP or threw', () => {
    expect(requests.length).toBeGreaterThan(10);
    expect(requests.filter((u) => !u.startsWith(`${base}/`))).toEqual([]);
    // (The page of the test above, on its own origin, is not in `requests`.)
    expect(problems).toEqual([]);
    expect(failures).toEqual(['POST /login 401', 'POST /login 403']);
  });
});
