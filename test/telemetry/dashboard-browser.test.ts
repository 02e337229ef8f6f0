/**
 * The dashboard in a real browser: headless Chromium (the system package, driven by playwright-core) loads
 * /dashboard from a gateway in front of the loopback mocks, logs in with the admin key, and — after the
 * OpenAI mock starts failing — shows OpenAI tripped, the reason, the signal over its threshold and the alert.
 * Skips only when no browser binary exists outside CI; in CI (.ci/run installs chromium) a missing browser fails.
 */

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { openaiFaults } from '../../mocks/openai-mock.ts';
import { ADMIN_KEY, assertNoSecrets, type Harness, startHarness } from '../helpers/harness.ts';

const CANDIDATES = [
  process.env.CHROMIUM_PATH,
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
];
const browserPath = CANDIDATES.find((path): path is string => Boolean(path) && existsSync(path!));
const inCI = Boolean(process.env.CI || process.env.SWITCHYARD_REQUIRE_BROWSER);
const skip =
  !browserPath && !inCI
    ? 'no Chromium binary found (apt-get install -y chromium, or set CHROMIUM_PATH); .ci/run installs it'
    : false;
// With SWITCHYARD_UPDATE_SCREENSHOT=1 the screenshot replaces docs/dashboard.png (the README's); otherwise it goes to a temp dir.
const screenshotPath = process.env.SWITCHYARD_UPDATE_SCREENSHOT
  ? new URL('../../docs/dashboard.png', import.meta.url).pathname
  : join(tmpdir(), `switchyard-dashboard-${process.pid}.png`);

let h: Harness;
let context: BrowserContext | undefined;
let profile: string | undefined;

async function chat(model = 'gpt-4o-mini', stream = false): Promise<number> {
  const response = await fetch(`${h.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'Hi' }], ...(stream ? { stream: true } : {}) }),
  });
  await response.text();
  return response.status;
}

describe('dashboard in headless Chromium', { skip }, () => {
  before(async () => {
    assert.ok(browserPath, 'CI must have a Chromium binary: .ci/run installs the chromium package');
    h = await startHarness({ telemetry: true, random: () => 0.5 });
    profile = mkdtempSync(join(tmpdir(), 'switchyard-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: browserPath,
      headless: true,
      viewport: { width: 1440, height: 960 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  });
  after(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await h?.close();
  });

  test('shows every provider live, then OpenAI tripped and why after its mock starts failing', async () => {
    const page: Page = context!.pages()[0] ?? (await context!.newPage());
    const foreign: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(h.url)) foreign.push(request.url());
    });
    const response = await page.goto(`${h.url}/dashboard`);
    assert.equal(response?.status(), 200);
    // Without the key the page has nothing to show but the login form.
    await page.locator('#login').waitFor({ state: 'visible' });
    assert.equal(await page.locator('article.provider').count(), 0);
    await page.fill('#key', ADMIN_KEY);
    await page.click('#login button');
    await page.locator('article.provider[data-provider="openai"][data-state="healthy"]').waitFor({ timeout: 5000 });
    assert.equal(await page.locator('article.provider').count(), 3);

    // Healthy traffic on OpenAI, then Anthropic serving as the fallback while OpenAI fails.
    for (let i = 0; i < 24; i++) assert.equal(await chat('gpt-4o-mini', i % 2 === 0), 200);
    h.openai.failAlways(openaiFaults.serverError());
    const tripped = page.locator('article.provider[data-provider="openai"][data-state="tripped"]');
    const until = Date.now() + 10_000;
    while ((await tripped.count()) === 0) {
      assert.ok(Date.now() < until, 'the dashboard shows openai tripped within 10 s');
      assert.equal(await chat(), 200, 'served by a fallback');
      await page.waitForTimeout(100);
    }
    for (let i = 0; i < 6; i++) await chat();
    await page.waitForTimeout(1800); // one more poll, with the latest traffic

    const card = page.locator('article.provider[data-provider="openai"]');
    assert.match(await card.locator('.state').innerText(), /tripped/i);
    assert.match(await card.locator('.reason').innerText(), /fast_trip|error_rate/);
    const errorRate = card.locator('tr[data-signal="error_rate"] td.over');
    assert.equal(await errorRate.count(), 1, 'the error rate is marked over its threshold');
    assert.match(await card.locator('tr[data-signal="error_rate"]').innerText(), /> 5\.0 %/);
    const alert = page.locator('#alert-list li[data-event="tripped"]').first();
    assert.match(await alert.innerText(), /openai tripped/);
    assert.match(await page.locator('#legend').innerText(), /anthropic \d+ %/);
    assert.match(await card.innerText(), /openai#1/, 'keys are listed by id');
    assertNoSecrets(await page.content(), 'the dashboard');
    assert.deepEqual(foreign, [], 'the page loads nothing from outside the gateway');

    await page.screenshot({ path: screenshotPath, fullPage: true });
    assert.ok(existsSync(screenshotPath));
  });
});
