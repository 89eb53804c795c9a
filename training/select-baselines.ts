/**
 * Selection harness for baseline model choices, without the test: runs `eval:baselines --inner K` on
 * inner slices cut to the test series' lengths (`--min-train test`: only series whose cut training
 * part is at least as long as the test's shortest, 48 points on m3-monthly; the same horizon) for
 * several seeds, and prints each run and the mean over slices × seeds — MASE (whole panel and seasonal
 * part), coverage 80 / 95 % (and per step min–max), each ensemble member alone, training CPU seconds.
 *
 *   npm run -s select:baselines -- [--panel FILE] [--slices 1,2,3] [--seeds 1,2] [--jobs 2]
 *     [--env NAME=VALUE ...] [--label TEXT] [--out FILE.jsonl] [-- <eval:baselines options>]
 *
 * The runs go `--jobs` at a time (separate processes); `--env` sets variables of the child processes
 * (the stacking's `KPI_STACK_*` knobs). `--out` appends every run's JSON with the label, so that
 * candidates can be compared later. The test (K = 0) is never run here.
 */
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';

const dash = process.argv.indexOf('--');
const own = dash >= 0 ? process.argv.slice(2, dash) : process.argv.slice(2);
const passThrough = dash >= 0 ? process.argv.slice(dash + 1) : [];
const { values: args } = parseArgs({
  args: own,
  options: {
    panel: { type: 'string', default: '../shared/data/panels/m3-monthly.csv' },
    slices: { type: 'string', default: '1,2,3' },
    seeds: { type: 'string', default: '1,2' },
    jobs: { type: 'string', default: '2' },
    'min-train': { type: 'string', default: 'test' },
    env: { type: 'string', multiple: true, default: [] },
    label: { type: 'string', default: '' },
    out: { type: 'string' },
  },
});
if (passThrough.some((a) => a === '--peers' || a === '--inner')) {
  console.error('select-baselines runs inner slices only: no --peers or --inner in the pass-through options');
  process.exit(2);
}
const slices = args.slices.split(',').map(Number);
const seeds = args.seeds.split(',').map(Number);
if (slices.some((k) => !(Number.isInteger(k) && k >= 1))) {
  console.error('--slices: integers ≥ 1 (the test, K = 0, is never read here)');
  process.exit(2);
}
const env: Record<string, string> = { ...process.env } as Record<string, string>;
for (const kv of args.env) {
  const i = kv.indexOf('=');
  if (i <= 0) throw new Error(`--env ${kv}: NAME=VALUE`);
  env[kv.slice(0, i)] = kv.slice(i + 1);
}

interface Result {
  mase: number;
  smape: number;
  coverage80: number;
  coverage95: number;
  coverage80_by_h: number[];
  series: number;
  train_cpu_s: number;
  load: number[];
  seasonal: { mase: number; coverage80: number; coverage95: number; series: number };
  members_mase?: Record<string, number>;
  members_mase_seasonal?: Record<string, number>;
}

function run(k: number, seed: number): Promise<Result> {
  const cli = [
    '--import',
    'tsx',
    new URL('./eval-baselines.ts', import.meta.url).pathname,
    '--panel',
    args.panel,
    '--inner',
    String(k),
    '--min-train',
    args['min-train'],
    '--seed',
    String(seed),
    '--json',
    ...passThrough,
  ];
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const child = spawn(process.execPath, cli, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`eval K=${k} seed=${seed} exited ${code}: ${err.trim().slice(-400)}`));
      const line = out
        .trim()
        .split('\n')
        .findLast((l) => l.startsWith('{'));
      if (!line) return reject(new Error(`eval K=${k} seed=${seed}: no JSON`));
      const r = JSON.parse(line) as Result;
      // e.g. walmart: every store has 130 points, so `--min-train test` leaves no series in a slice
      if (!(r.series > 0)) return reject(new Error(`eval K=${k} seed=${seed}: no series left (try --min-train 0)`));
      resolve(r);
    });
  });
}

const tasks = slices.flatMap((k) => seeds.map((seed) => ({ k, seed })));
const results: { k: number; seed: number; r: Result }[] = [];
const t0 = Date.now();
let next = 0;
await Promise.all(
  Array.from({ length: Math.max(1, Number(args.jobs)) }, async () => {
    while (next < tasks.length) {
      const t = tasks[next++]!;
      const r = await run(t.k, t.seed);
      results.push({ ...t, r });
      if (args.out)
        appendFileSync(
          args.out,
          `${JSON.stringify({ label: args.label, env: args.env, options: passThrough, k: t.k, seed: t.seed, at: new Date().toISOString(), result: r })}\n`,
        );
    }
  }),
);
results.sort((a, b) => a.k - b.k || a.seed - b.seed);
const r4 = (v: number) => Math.round(v * 10000) / 10000;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const row = (r: Result) => ({
  mase: r.mase,
  seasonal_mase: r.seasonal.mase,
  coverage80: r.coverage80,
  coverage95: r.coverage95,
  coverage80_by_h: [Math.min(...r.coverage80_by_h), Math.max(...r.coverage80_by_h)],
  series: r.series,
  train_cpu_s: r.train_cpu_s,
});
const memberKeys = Object.keys(results[0]?.r.members_mase ?? {});
const summary = {
  label: args.label,
  env: args.env,
  options: passThrough,
  panel: args.panel,
  min_train: args['min-train'],
  wall_s: Math.round((Date.now() - t0) / 1000),
  load_end: os.loadavg().map((v) => Math.round(v * 100) / 100),
  runs: results.map(({ k, seed, r }) => ({ k, seed, ...row(r) })),
  mean: {
    mase: r4(mean(results.map((x) => x.r.mase))),
    seasonal_mase: r4(mean(results.map((x) => x.r.seasonal.mase))),
    coverage80: r4(mean(results.map((x) => x.r.coverage80))),
    coverage95: r4(mean(results.map((x) => x.r.coverage95))),
    train_cpu_s: r4(mean(results.map((x) => x.r.train_cpu_s))),
    ...(memberKeys.length > 0
      ? {
          members_mase: Object.fromEntries(
            memberKeys.map((m) => [m, r4(mean(results.map((x) => x.r.members_mase?.[m] ?? Number.NaN)))]),
          ),
          members_mase_seasonal: Object.fromEntries(
            memberKeys.map((m) => [m, r4(mean(results.map((x) => x.r.members_mase_seasonal?.[m] ?? Number.NaN)))]),
          ),
        }
      : {}),
  },
};
console.log(JSON.stringify(summary));
