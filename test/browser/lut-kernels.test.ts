import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SKIP_BROWSER, launchChromium, startDevServer, type BrowserSession, type DevServer } from './chromium';
import type { KernelCase, KernelCaseResult } from './pages/lut-kernels';

/** Largest relative difference from the reference composition (float32 on both sides, different summation orders). */
const TOLERANCE = 1e-4;

const cases: KernelCase[] = [];
for (let k = 1; k <= 8; k++) {
  cases.push(
    { k, binaryInputs: true, binarizeOutput: false, signEntries: true },
    { k, binaryInputs: true, binarizeOutput: true, signEntries: false },
    { k, binaryInputs: false, binarizeOutput: false, signEntries: false },
    { k, binaryInputs: false, binarizeOutput: true, signEntries: false },
    { k, binaryInputs: true, binarizeOutput: false, signEntries: false, binarizeEntries: true },
  );
}
for (const k of [2, 5]) cases.push({ k, binaryInputs: false, binarizeOutput: false, signEntries: false, binarizeEntries: true });

describe.skipIf(SKIP_BROWSER)('WGSL LUT kernels in headless Chromium', () => {
  let browser: BrowserSession;
  let server: DevServer;
  let results: KernelCaseResult[] = [];

  beforeAll(async () => {
    server = await startDevServer();
    browser = await launchChromium();
    const page = await browser.context.newPage();
    await page.goto(`${server.url}test/browser/pages/lut-kernels.html`);
    // Vite may reload the page once after optimizing dependencies, so wait for the script.
    await page.waitForFunction(() => typeof window.runLutKernelCases === 'function', undefined, { timeout: 120_000 });
    results = await page.evaluate((c) => window.runLutKernelCases!(c), cases);
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('runs every case on the webgpu backend', () => {
    expect(results).toHaveLength(cases.length);
    for (const result of results) expect(result.backend).toBe('webgpu');
  });

  it.each(cases.map((c, index) => [c.k, c.binaryInputs, c.binarizeOutput, c.binarizeEntries ?? false, index] as const))(
    'k = %i, binary inputs %s, binarized output %s, binarized entries %s matches the reference',
    (_k, _binaryInputs, _binarizeOutput, _binarizeEntries, index) => {
      const result = results[index];
      expect(result.errors.y).toBeLessThan(TOLERANCE);
      expect(result.errors.dx).toBeLessThan(TOLERANCE);
      expect(result.errors.dw).toBeLessThan(TOLERANCE);
      expect(result.errors.dGamma).toBeLessThan(TOLERANCE);
      expect(result.contractViolations).toBe(0);
      expect(result.tensorsLeaked).toBe(0);
    },
  );
});
