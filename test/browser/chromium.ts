import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { build, createServer, preview } from 'vite';

/**
 * Shared launcher for the browser tests: Debian's Chromium driven by playwright-core, and the
 * Vite dev server on a free loopback port. Headless Chromium gives WebGPU (SwiftShader, on the
 * CPU) only with --enable-unsafe-webgpu, and stays offline and quiet with the other flags.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Path of the Chromium binary: DEEPLUT_CHROMIUM, or Debian's /usr/bin/chromium. */
export const CHROMIUM_PATH = process.env.DEEPLUT_CHROMIUM ?? '/usr/bin/chromium';

/** True when the user chose to skip the browser tests with DEEPLUT_SKIP_BROWSER=1. */
export const SKIP_BROWSER = process.env.DEEPLUT_SKIP_BROWSER === '1';

const FLAGS = [
  '--enable-unsafe-webgpu',
  '--enable-unsafe-swiftshader',
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** Throws with install instructions unless Chromium is present. */
export function requireChromium(): string {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: install it with "apt-get install chromium" (or run bash .ci/setup), ` +
        'or set DEEPLUT_CHROMIUM to its path. To skip the browser tests instead, set DEEPLUT_SKIP_BROWSER=1.',
    );
  }
  return CHROMIUM_PATH;
}

export interface BrowserSession {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Starts headless Chromium with a fresh profile in a temporary folder. */
export async function launchChromium(): Promise<BrowserSession> {
  const executablePath = requireChromium();
  const profile = mkdtempSync(join(tmpdir(), 'deeplut-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath, headless: true, args: FLAGS, viewport: { width: 1440, height: 900 } });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface DevServer {
  url: string;
  close(): Promise<void>;
}

/** Serves the repository with Vite's dev server on 127.0.0.1 and a free port. */
export async function startDevServer(): Promise<DevServer> {
  const server = await createServer({ root: ROOT, logLevel: 'error', server: { host: '127.0.0.1', port: 0, strictPort: false } });
  await server.listen();
  const url = server.resolvedUrls?.local[0];
  if (!url) {
    await server.close();
    throw new Error('the Vite dev server started without a local URL');
  }
  return { url, close: () => server.close() };
}

/**
 * Builds the playground for production into a temporary folder and serves it with
 * `vite preview` on 127.0.0.1 and a free port: the minified bundle that users get. Pass
 * `minify: false` for readable function names in profiles.
 */
export async function startPreviewServer(options: { minify?: boolean } = {}): Promise<DevServer> {
  const outDir = mkdtempSync(join(tmpdir(), 'deeplut-build-'));
  // Vite bundles `process.env.NODE_ENV` as it finds it, and vitest sets it to "test", which
  // would bundle the development builds of React and its libraries.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ root: ROOT, logLevel: 'error', build: { outDir, emptyOutDir: true, minify: options.minify ?? true } });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
  const server = await preview({ root: ROOT, logLevel: 'error', build: { outDir }, preview: { host: '127.0.0.1', port: 0, strictPort: false } });
  const url = server.resolvedUrls?.local[0];
  const close = async () => {
    await server.close();
    rmSync(outDir, { recursive: true, force: true });
  };
  if (!url) {
    await close();
    throw new Error('vite preview started without a local URL');
  }
  return { url, close };
}
