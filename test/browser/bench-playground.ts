/**
 * Measures the playground's production build: the JavaScript the first page load fetches
 * (entry chunk, its static imports and the training worker) and the time until the page is
 * interactive, served by `vite preview` on 127.0.0.1 and loaded by headless Chromium.
 * Run: npx tsx test/browser/bench-playground.ts [runs]
 */
import { launchChromium, startPreviewServer } from './chromium';

const runs = Number(process.argv[2] ?? 3);
const server = await startPreviewServer();
const browser = await launchChromium();
const rows: string[] = [];

try {
  for (let run = 0; run < runs; run++) {
    const page = await browser.context.newPage();
    const scripts = new Map<string, number>();
    page.on('response', async (response) => {
      const url = response.url();
      if (!url.endsWith('.js')) return;
      const body = await response.body().catch(() => Buffer.alloc(0));
      scripts.set(new URL(url).pathname, body.length);
    });
    // A cache-free load each run: a new page in a context whose HTTP cache is cleared.
    const session = await browser.context.newCDPSession(page);
    await session.send('Network.clearBrowserCache');
    await page.goto(server.url);
    await page.waitForSelector('.layer-card');
    const firstRender = await page.evaluate(() => performance.now());
    await page.waitForSelector('button.primary:not([disabled])', { timeout: 120_000 });
    const readyToTrain = await page.evaluate(() => performance.now());
    const backend = await page.getAttribute('[data-testid=backend]', 'data-backend');
    const pageJs = [...scripts].filter(([path]) => !path.includes('worker')).reduce((sum, [, size]) => sum + size, 0);
    const workerJs = [...scripts].filter(([path]) => path.includes('worker')).reduce((sum, [, size]) => sum + size, 0);
    rows.push(`| ${run + 1} | ${Math.round(firstRender)} | ${Math.round(readyToTrain)} | ${backend} | ${(pageJs / 1024).toFixed(0)} | ${(workerJs / 1024).toFixed(0)} |`);
    await page.close();
  }
} finally {
  await browser.close();
  await server.close();
}

process.stdout.write('| run | UI rendered (ms) | ready to train (ms) | backend | page JS (KiB) | worker JS (KiB) |\n|---|---|---|---|---|---|\n');
process.stdout.write(`${rows.join('\n')}\n`);
