#!/usr/bin/env node
// The README's test command: type-check, lint and format check (Biome), the import-cycle check,
// then the whole vitest suite, then the fleet test (four processes in network namespaces behind a
// balancer: it takes the machine for a minute or two), then the fault tests (workers killed, Redis and PostgreSQL
// restarted), which disturb every test using those services and so run alone, after the main suite.
// Extra arguments go to vitest (e.g. `npm test -- test/auth`) and skip the fault stage.
import { spawnSync } from 'node:child_process';

const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit', shell: false });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

const extra = process.argv.slice(2);
run('npx', ['tsc', '--noEmit']);
run('npx', ['biome', 'check', '--error-on-warnings', '.']);
run('node', ['scripts/cycles.mjs']);
run('npx', ['vitest', 'run', ...extra]);
if (extra.length === 0) {
  console.log('\nfleet test (alone, after the main suite): test/fleet/*.fleet.ts');
  run('npx', ['vitest', 'run', '--config', 'test/fleet/vitest.config.ts']);
  console.log('\nfault tests (serial, after the main suite): test/faults/*.fault.ts');
  run('npx', ['vitest', 'run', '--config', 'test/faults/vitest.config.ts']);
}
