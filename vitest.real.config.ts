// The real lane (`npm run test:real`): integration tests on the real bed, with a real node,
// Traefik as the Gateway and Prometheus scraping it. Kept out of `vitest run` (npm test): the
// bed needs root, network namespaces and cgroup v1, and starts in minutes, not seconds.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'real',
    include: ['test/integration/real/**/*.test.ts'],
    globalSetup: ['test/bed/real/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
