import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Training and simulator tests are CPU bound; two workers match the two-core CI machine.
    maxWorkers: 2,
  },
});
