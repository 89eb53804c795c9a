import { defineConfig } from 'vitest/config';
import { SlowFirstSequencer } from './test/sequencer.js';

export default defineConfig({
  test: {
    globals: false,
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // each worker process runs its files one after the other with the modules it loaded (and compiled)
    // for the earlier ones: no process and no module graph per file (≈ 29 % less CPU, see the README).
    // Test files change no process state (no module mocks, no environment, no fake timers; vitest
    // restores spies between files); each opens its own databases. A process per file, as before:
    // `npx vitest run --isolate`.
    isolate: false,
    // two cores: more parallel files only thrash
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    globalSetup: ['test/global-setup.ts'],
    // the slowest files start first, so none of them ends the run alone on one core
    sequence: { sequencer: SlowFirstSequencer },
  },
});
