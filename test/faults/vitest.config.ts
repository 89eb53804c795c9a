/**
 * Fault tests: kill workers, restart Redis and PostgreSQL. They disturb every other test that
 * uses those services, so scripts/test.mjs runs them after the main suite, one file at a time.
 * Files end in `.fault.ts` so the main run (test/**\/*.test.ts) never picks them up.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    globals: false,
    include: ['test/faults/**/*.fault.ts'],
    pool: 'forks',
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 300_000,
    hookTimeout: 120_000,
    globalSetup: ['test/global-setup.ts', 'test/faults/ensure-services.ts'],
  },
});
