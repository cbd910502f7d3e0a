import { defineConfig } from 'vitest/config';

/**
 * Cross-origin isolation, which SharedArrayBuffer needs: the training worker shares memory
 * with its LUT helper threads (src/worker/threads.ts). Everything the page loads is served
 * from the same origin, so these headers block nothing. A static host must send them too
 * for the helper threads to start; without them training runs in the worker alone.
 */
const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  server: { headers: ISOLATION_HEADERS },
  preview: { headers: ISOLATION_HEADERS },
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Training and simulator tests are CPU bound; two workers match the two-core CI machine.
    maxWorkers: 2,
  },
});
