/**
 * `npm run bench:targets -- [--json] [--people N] [--backend pglite|postgres] [--network] [--runs R] [--no-helper]`
 * Targets for N people of one role (default 10,000 product_ops, quarterly order handling time,
 * 12 quarters of stored history, 2 % new hires without history) from a trained model:
 * - cold_s: scopeTargets with no cached forecasts — read the history, forecast everyone, assemble; the set
 *   is cached after the answer, as the service does (src/services/later-stores.ts; the run waits for that
 *   store before the next one empties the cache);
 * - cold_store_inline_s: the same with the set cached before the answer (what a caller without `storeLater` waits for);
 *   the two are run alternately (a b b a …), R runs each;
 * - warm_s: the same request again — cached forecasts, actuals, overrides, assembly;
 * - history_read_s: reading the scope's history into per-person rows (loadScopeHistory);
 * - forecast_only_s: the forecasting step alone, in memory (forecastMany over prepared series, one thread);
 * - forecast_parallel_s: the same on this thread and the forecasting helper thread (what targets use).
 * The helper thread is started and waited for first, as the server does at start (`--no-helper`: one thread).
 * Each figure is the median of R runs (default 5); `*_cpu_ms` beside a figure: this process's CPU time in
 * the same runs (PGlite and the helper thread included), steadier than wall time on a shared machine.
 * `answer_sha256`: the SHA-256 of the cold answer's JSON (first 16 hex digits) — the same on every commit
 * that does not mean to move the targets. Prints one JSON line with --json.
 */
import { createHash } from 'node:crypto';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { scratchDb } from './scratch.js';
import { KEY, NEXT, seedRole } from './targets-seed.js';
import { forecastMany } from '../src/baselines/index.js';
import { forecastPacked, forecastThreadReady } from '../src/baselines/parallel.js';
import { activeModel } from '../src/kpi/models.js';
import {
  emptySeries,
  gridStarts,
  loadScopeHistory,
  personSeries,
  promoFlags,
  tenureMonths,
} from '../src/kpi/series.js';
import { scopeTargets } from '../src/kpi/targets.js';
import { refreshStatistics, trainScope } from '../src/kpi/train.js';

const { values: args } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    people: { type: 'string', default: '10000' },
    backend: { type: 'string', default: 'pglite' },
    network: { type: 'boolean', default: false },
    runs: { type: 'string', default: '5' },
    'no-helper': { type: 'boolean', default: false },
  },
});
const N = Number(args.people);
const RUNS = Number(args.runs);
const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
/** Runs `fn` R times; the median wall seconds and CPU milliseconds. */
async function timed(fn: () => unknown, before?: () => Promise<unknown>): Promise<{ s: number; cpu: number }> {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    await before?.();
    const c = cpuMs();
    const t = performance.now();
    await fn();
    wall.push((performance.now() - t) / 1000);
    cpu.push(cpuMs() - c);
  }
  return { s: Number(median(wall).toFixed(3)), cpu: Math.round(median(cpu)) };
}

/** `a` and `b` run alternately (a b b a …, R times each, `before` before every run); their medians as `timed`'s. */
async function alternated(
  a: () => unknown,
  b: () => unknown,
  before: () => Promise<unknown>,
): Promise<[{ s: number; cpu: number }, { s: number; cpu: number }]> {
  const runs = [
    { fn: a, wall: [] as number[], cpu: [] as number[] },
    { fn: b, wall: [] as number[], cpu: [] as number[] },
  ];
  for (let i = 0; i < 2 * RUNS; i++) {
    const r = runs[(i + (i >> 1)) % 2]!;
    await before();
    const c = cpuMs();
    const t = performance.now();
    await r.fn();
    r.wall.push((performance.now() - t) / 1000);
    r.cpu.push(cpuMs() - c);
  }
  const out = runs.map((r) => ({ s: Number(median(r.wall).toFixed(3)), cpu: Math.round(median(r.cpu)) }));
  return [out[0]!, out[1]!];
}

async function main() {
  const backend = args.backend === 'postgres' ? 'postgres' : 'pglite';
  const scratch = await scratchDb('targets', backend);
  const { db } = scratch;
  try {
    await seedRole(db, N);
    await refreshStatistics(db);
    const trained = await trainScope(db, KEY, { network: args.network });
    const am = (await activeModel(db, KEY))!;

    // the forecasting step alone, in memory
    const hist = (await loadScopeHistory(db, KEY))!;
    const H = am.model.spec.H;
    const promo = promoFlags(hist, H);
    const starts = gridStarts(hist, H);
    const end = hist.grid.periods.length;
    const series = [
      ...hist.people.map((x) => personSeries(hist, x, end, H, promo, tenureMonths(starts, x))),
      ...hist.withoutHistory.map((x) =>
        emptySeries(hist, x.id, end, H, promo, tenureMonths(starts, { hireDate: x.hireDate, first: end })),
      ),
    ];
    // as the server does at start: the forecasting helper thread (src/baselines/parallel.ts)
    const helper = args['no-helper'] ? false : await forecastThreadReady();
    await forecastPacked(am.model, series, 1, am.version.id); // the model crosses to the helper once
    const only = await timed(() => forecastMany(am.model, series, 1));
    const parallel = await timed(() => forecastPacked(am.model, series, 1, am.version.id));
    const reads = await timed(() => loadScopeHistory(db, KEY, { through: NEXT }));
    const emptyCache = () => db.query('delete from baseline_forecast_cache');
    // the stores handed over by a cold answer, run after it (outside the time), before the next run
    const later: (() => Promise<void>)[] = [];
    const storeLater = (store: () => Promise<void>) => later.push(store);
    const storedThenEmpty = async () => {
      for (const store of later.splice(0)) await store();
      await emptyCache();
    };
    // the two alternated, one run of each at a time (load drift hits both alike)
    const [cold, inline] = await alternated(
      () => scopeTargets(db, KEY, NEXT, { storeLater }),
      () => scopeTargets(db, KEY, NEXT),
      storedThenEmpty,
    );
    // an even --runs ends on a cold run: its store is still pending
    await storedThenEmpty();
    const coldAnswer = JSON.stringify(await scopeTargets(db, KEY, NEXT, { storeLater }));
    if (later.length !== 1) throw new Error(`a cold answer handed over ${later.length} stores, not 1`);
    for (const store of later.splice(0)) await store();
    const warm = await timed(() => scopeTargets(db, KEY, NEXT, { storeLater }));
    if (later.length > 0) throw new Error('a cached answer handed over a store');
    const answer = await scopeTargets(db, KEY, NEXT);
    if (JSON.stringify(answer) !== coldAnswer) throw new Error('the cached answer differs from the cold one');
    const out = {
      bench: 'targets',
      backend,
      people: answer.people.length,
      cold_start: answer.summary.cold_start,
      scope: `${KEY.role}:${KEY.metric}:${KEY.kind}`,
      period: NEXT.id,
      history_rows: hist.rows,
      network: args.network,
      train_s: trained.seconds,
      coverage80: answer.coverage.measured80,
      coverage95: answer.coverage.measured95,
      history_read_s: reads.s,
      history_read_cpu_ms: reads.cpu,
      forecast_only_s: only.s,
      forecast_only_cpu_ms: only.cpu,
      forecast_helper_thread: helper,
      forecast_parallel_s: parallel.s,
      forecast_parallel_cpu_ms: parallel.cpu,
      cold_s: cold.s,
      cold_cpu_ms: cold.cpu,
      cold_store_inline_s: inline.s,
      cold_store_inline_cpu_ms: inline.cpu,
      warm_s: warm.s,
      warm_cpu_ms: warm.cpu,
      answer_sha256: createHash('sha256').update(coldAnswer).digest('hex').slice(0, 16),
      must_s: 1,
      goal_s: 0.2,
      load: os.loadavg()[0],
    };
    if (args.json) console.log(JSON.stringify(out));
    else console.log(out);
  } finally {
    await scratch.drop();
  }
}

await main();
