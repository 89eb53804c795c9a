/**
 * `npm run bench:targets -- [--json] [--people N] [--backend pglite|postgres] [--network] [--runs R] [--no-helper]`
 * Targets for N people of one role (default 10,000 product_ops, quarterly order handling time,
 * 12 quarters of stored history, 2 % new hires without history) from a trained model:
 * - cold_s: scopeTargets with no cached forecasts — read the history, forecast everyone, assemble, cache;
 * - warm_s: the same request again — cached forecasts, actuals, overrides, assembly;
 * - history_read_s: reading the scope's history into per-person rows (loadScopeHistory);
 * - forecast_only_s: the forecasting step alone, in memory (forecastMany over prepared series, one thread);
 * - forecast_parallel_s: the same on this thread and the forecasting helper thread (what targets use).
 * The helper thread is started and waited for first, as the server does at start (`--no-helper`: one thread).
 * Each figure is the median of R runs (default 5). Prints one JSON line with --json.
 */
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
    const only: number[] = [];
    const parallel: number[] = [];
    let t = 0;
    for (let i = 0; i < RUNS; i++) {
      t = performance.now();
      forecastMany(am.model, series, 1);
      only.push((performance.now() - t) / 1000);
      t = performance.now();
      await forecastPacked(am.model, series, 1, am.version.id);
      parallel.push((performance.now() - t) / 1000);
    }

    const reads: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      t = performance.now();
      await loadScopeHistory(db, KEY, { through: NEXT });
      reads.push((performance.now() - t) / 1000);
    }

    const cold: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      await db.query('delete from baseline_forecast_cache');
      t = performance.now();
      await scopeTargets(db, KEY, NEXT);
      cold.push((performance.now() - t) / 1000);
    }
    const warm: number[] = [];
    let answer = await scopeTargets(db, KEY, NEXT);
    for (let i = 0; i < RUNS; i++) {
      t = performance.now();
      answer = await scopeTargets(db, KEY, NEXT);
      warm.push((performance.now() - t) / 1000);
    }
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
      history_read_s: Number(median(reads).toFixed(3)),
      forecast_only_s: Number(median(only).toFixed(3)),
      forecast_helper_thread: helper,
      forecast_parallel_s: Number(median(parallel).toFixed(3)),
      cold_s: Number(median(cold).toFixed(3)),
      warm_s: Number(median(warm).toFixed(3)),
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
