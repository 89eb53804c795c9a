/**
 * Training of baseline models from the stored KPI history, one per scope (role × metric ×
 * period kind), registered in the model registry with their backtest figures. The first version
 * of a scope is promoted automatically (there is nothing to compare it with); later versions stay
 * candidates unless the request asks to promote them.
 */
import { SYSTEM_REASONS } from '../audit/reasons.js';
import { createHash } from 'node:crypto';
import type { Db, Queryable } from '../db/types.js';
import type { PeriodKind } from '../history/period.js';
import { computeFor, openCompute, type Compute } from '../jobs/compute.js';
import { threadForecaster } from '../jobs/compute-forecaster.js';
import type { Processor } from '../jobs/types.js';
import { UnrecoverableJobError } from '../jobs/types.js';
import { getActive, promote, registerVersion } from '../registry/index.js';
import { BASELINE_KIND } from './models.js';
import {
  gridStarts,
  loadScopeHistory,
  personSeries,
  promoFlags,
  scopeId,
  tenureMonths,
  type ScopeKey,
} from './series.js';
import { TARGET_LEVELS, warmNextPeriod } from './targets.js';

/**
 * Default forecast horizon per period kind: a quarter of weeks, a year of months or quarters.
 * The core calibrates on rolling origins over the last H periods of each series, so H also sets
 * how many positions of the year the conformal step sees: with H = 3 months, simulated monthly
 * data held 70 % (not 80 %) of held-out outcomes in the 80 % interval; with H = 12, 81 %.
 */
export const DEFAULT_HORIZON: Readonly<Record<PeriodKind, number>> = { week: 13, month: 12, quarter: 4 };

export interface TrainOptions {
  horizon?: number | undefined;
  /** false = classical ensemble + conformal calibration only (fast). */
  network?: boolean | undefined;
  steps?: number | undefined;
  seed?: number | undefined;
  /** Promote the new version even when the scope already has an active one. */
  promote?: boolean | undefined;
  jobId?: string | null | undefined;
  actor?: string | null | undefined;
  /** Where the model is trained (a job's thread: src/jobs/compute.ts); default: on this thread. */
  compute?: Compute | undefined;
}

export interface TrainedScope {
  scope: string;
  version: string | null;
  promoted: boolean;
  skipped?: string;
  coverage80?: number | null;
  coverage95?: number | null;
  people?: number;
  seconds?: number;
  /** The period whose targets were computed and cached after training. */
  warmed?: string | null;
}

export { modelFigures } from './train-compute.js';

/**
 * Trains, registers and (first version, or when asked) promotes the model of one scope. Idempotent by data.
 * The history is read here, the model trained by `opts.compute` (a job thread), the version written here.
 */
export async function trainScope(db: Db, key: ScopeKey, opts: TrainOptions = {}): Promise<TrainedScope> {
  const scope = scopeId(key);
  const h = await loadScopeHistory(db, key);
  if (!h || h.people.length === 0) return { scope, version: null, promoted: false, skipped: 'no history' };
  const horizon = opts.horizon ?? DEFAULT_HORIZON[key.kind];
  const promo = promoFlags(h, horizon);
  const starts = gridStarts(h, horizon);
  const series = h.people.map((p) => personSeries(h, p, p.last + 1, horizon, promo, tenureMonths(starts, p)));
  const settings = {
    horizon,
    quantiles: [...TARGET_LEVELS],
    network: opts.network ?? true,
    steps: opts.steps,
    seed: opts.seed ?? 1,
  };
  const digest = createHash('sha256')
    .update(
      JSON.stringify({
        scope,
        settings,
        series: series.map((s) => [s.id, s.start, s.values, s.promo, s.tenure?.map((t) => Math.round(t))]),
      }),
    )
    .digest('hex')
    .slice(0, 12);
  const id = `${BASELINE_KIND}:${scope}@${digest}`;
  const compute = opts.compute ?? openCompute({ threads: false });
  const model = await compute.run('baselineModel', {
    series,
    options: {
      horizon,
      quantiles: settings.quantiles,
      network: settings.network,
      seed: settings.seed,
      ...(settings.steps ? { steps: settings.steps } : {}),
    },
  });
  const figures = model.figures;
  const version = await registerVersion(db, {
    id,
    kind: BASELINE_KIND,
    scope,
    artifact: Buffer.from(model.json, 'utf8'),
    metadata: {
      role: key.role,
      metric: key.metric,
      period_kind: key.kind,
      horizon,
      levels: model.levels,
      network: settings.network,
      settings,
      model_kind: model.modelKind,
    },
    metrics: figures,
    dataRange: {
      source: 'kpi_history',
      from: h.grid.periods[0]!.id,
      to: h.grid.periods.at(-1)!.id,
      rows: h.rows,
      people: h.people.length,
    },
    jobId: opts.jobId ?? null,
    actor: opts.actor ?? null,
  });
  const active = await getActive(db, BASELINE_KIND, scope);
  let promoted = active?.id === version.id;
  if (!active || (opts.promote && !promoted)) {
    await promote(
      db,
      version.id,
      opts.actor ?? null,
      active ? SYSTEM_REASONS.training_requested : SYSTEM_REASONS.first_scope_version,
    );
    promoted = true;
  }
  return {
    scope,
    version: version.id,
    promoted,
    coverage80: figures.coverage80 as number | null,
    coverage95: figures.coverage95 as number | null,
    people: h.people.length,
    seconds: model.seconds,
  };
}

/**
 * ANALYZE the history and the people: PGlite has no autovacuum, and without statistics the
 * planner joins history to employees with a nested loop (5 s instead of 0.2 s for 120,000 rows).
 * Failure (e.g. not the table owner) is harmless.
 */
export async function refreshStatistics(db: Queryable): Promise<void> {
  try {
    // one statement each: on PGlite an ANALYZE writes no table (src/db/write-clock.ts), two in one text are unclassified
    await db.query('analyze kpi_history');
    await db.query('analyze employees');
  } catch {
    // statistics are an optimisation only
  }
}

/** Scopes that have history, filtered by role, metric and kind. */
export async function scopesWithHistory(
  db: Queryable,
  filter: { role?: string | undefined; metric?: string | undefined; kind?: string | undefined },
): Promise<ScopeKey[]> {
  const r = await db.query<{ role: string; metric: string; kind: PeriodKind }>(
    `select distinct e.role_id as role, h.metric_id as metric, h.period_kind as kind from kpi_history h join employees e on e.id = h.employee_id
     where ($1::text is null or e.role_id = $1) and ($2::text is null or h.metric_id = $2) and ($3::text is null or h.period_kind = $3)
     order by 1, 2, 3`,
    [filter.role ?? null, filter.metric ?? null, filter.kind ?? null],
  );
  return r.rows;
}

export interface TrainJobData {
  role?: string;
  metric?: string;
  kind?: PeriodKind;
  network?: boolean;
  steps?: number;
  horizon?: number;
  promote?: boolean;
  submittedBy?: string | null;
}

export interface TrainJobResult {
  models: TrainedScope[];
}

/**
 * Job kind `train_baselines`: trains every matching scope, reporting progress per scope. The models
 * train in the job's thread (src/jobs/compute.ts); cancelling ends it mid-scope.
 */
export const trainBaselinesProcessor: Processor<TrainJobData, TrainJobResult> = async (data, ctx) => {
  const { db } = ctx.deps;
  const compute = computeFor(ctx, { eager: true });
  try {
    return await trainScopes(db, data, ctx, compute);
  } finally {
    compute.close();
  }
};

async function trainScopes(
  db: Db,
  data: TrainJobData,
  ctx: Parameters<Processor>[1],
  compute: Compute,
): Promise<TrainJobResult> {
  await refreshStatistics(db);
  const scopes = await scopesWithHistory(db, data);
  if (scopes.length === 0)
    throw new UnrecoverableJobError(
      `no KPI history for ${JSON.stringify({ role: data.role, metric: data.metric, kind: data.kind })}`,
    );
  const models: TrainedScope[] = [];
  for (const [i, key] of scopes.entries()) {
    if (ctx.signal.aborted) throw new Error('cancelled');
    await ctx.progress((100 * i) / scopes.length, `training ${scopeId(key)} (${i + 1}/${scopes.length})`);
    const trained = await trainScope(db, key, {
      horizon: data.horizon,
      network: data.network,
      steps: data.steps,
      promote: data.promote,
      jobId: ctx.jobId,
      actor: data.submittedBy ?? null,
      compute,
    });
    // the next period's targets are computed now, so HR's first request is served from the cache
    if (trained.promoted) trained.warmed = await warmNextPeriod(db, key, threadForecaster(compute));
    models.push(trained);
  }
  await ctx.progress(100, 'done');
  return { models };
}
