import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SKIP_BROWSER, launchChromium, startDevServer, type BrowserSession, type DevServer } from './chromium';
import type { ThreadCheckResult } from './pages/lut-threads-worker';

describe.skipIf(SKIP_BROWSER)('LUT helper threads in headless Chromium', () => {
  let browser: BrowserSession;
  let server: DevServer;
  let result: ThreadCheckResult;

  beforeAll(async () => {
    server = await startDevServer();
    browser = await launchChromium();
    const page = await browser.context.newPage();
    await page.goto(`${server.url}test/browser/pages/lut-threads.html`);
    await page.waitForFunction(() => typeof window.runLutThreadCheck === 'function', undefined, { timeout: 120_000 });
    result = await page.evaluate(() => window.runLutThreadCheck!());
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('serves the page cross-origin isolated', () => {
    expect(result.crossOriginIsolated).toBe(true);
  });

  it('starts helpers that run chunks', () => {
    expect(result.helpers).toBe(2);
    expect(result.helperChunks).toBeGreaterThan(0);
    expect(result.webAssembly).toBe(true);
  });

  it('gives results identical to one thread', () => {
    expect(result.cases).toBe(4);
    expect(result.mismatches).toEqual([]);
  });
});
