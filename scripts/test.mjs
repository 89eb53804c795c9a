#!/usr/bin/env node
// The README's test command: type-check, then the whole vitest suite.
// Extra arguments go to vitest (e.g. `npm test -- test/auth`).
import { spawnSync } from 'node:child_process';

const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit', shell: false });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

run('npx', ['tsc', '--noEmit']);
run('npx', ['vitest', 'run', ...process.argv.slice(2)]);
