// Two projects: fast unit tests of the pure core and shell, and integration tests that run
// against the real test bed (started once by the global setup, or reused when already up).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/integration/**'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // The real lane has its own config (vitest.real.config.ts, npm run test:real).
          exclude: ['test/integration/real/**'],
          globalSetup: ['test/bed/global-setup.ts'],
          // One file at a time: a file's local runner watches every namespace, and the
          // reliability tests check that only their own instances acted on their rollouts.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
