import { defineConfig } from 'vitest/config';
import { SlowFirstSequencer } from './test/sequencer.js';

export default defineConfig({
  test: {
    globals: false,
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // two cores: more parallel files only thrash
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    globalSetup: ['test/global-setup.ts'],
    // the slowest files start first, so none of them ends the run alone on one core
    sequence: { sequencer: SlowFirstSequencer },
  },
});
