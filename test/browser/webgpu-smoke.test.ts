import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SKIP_BROWSER, launchChromium, startDevServer, type BrowserSession, type DevServer } from './chromium';

describe.skipIf(SKIP_BROWSER)('headless Chromium', () => {
  let browser: BrowserSession;
  let server: DevServer;

  beforeAll(async () => {
    server = await startDevServer();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('serves the page and offers a WebGPU adapter', async () => {
    const page = await browser.context.newPage();
    await page.goto(server.url);
    expect(await page.textContent('h1')).toBe('DeepLUT');
    const adapter = await page.evaluate(async () => {
      const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
      if (!gpu) return 'no navigator.gpu';
      return (await gpu.requestAdapter()) ? 'adapter' : 'no adapter';
    });
    expect(adapter).toBe('adapter');
  });
});
