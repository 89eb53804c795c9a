/**
 * The fleet test (test/fleet/*.fleet.ts): four processes on their own test hosts, a load balancer,
 * rolling restarts. It takes the machine for a minute, so scripts/test.mjs runs it after the main
 * suite, alone; files end in `.fleet.ts` so the main run (test/**\/*.test.ts) never picks them up.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    globals: false,
    include: ['test/fleet/**/*.fleet.ts'],
    pool: 'forks',
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 180_000,
    hookTimeout: 150_000,
    globalSetup: ['test/global-setup.ts'],
  },
});
