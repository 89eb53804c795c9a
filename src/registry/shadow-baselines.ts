/**
 * Shadow comparison for baseline models (kind 'baseline', scope `role:metric:kind`): targets for
 * the period after the scope's last data, for every person of the role, from the candidate and
 * from the active version; people whose target moves by more than `threshold` (relative) are
 * listed; the evaluation is each version's measured backtest coverage of the 80 % and 95 % intervals.
 * With `opts.compute` (the compare_models job's thread) the forecasts are computed there: the history
 * is read and the report built here, data in, result out.
 */
import { backtestCoverage, deserialize } from '../baselines/index.js';
import { packSeries } from '../baselines/parallel.js';
import { parsePeriod, shiftPeriod, type PeriodKind } from '../history/period.js';
import { activeModel, type ActiveModel } from '../kpi/models.js';
import type { ScopeKey } from '../kpi/series.js';
import { type Forecaster, scopeTargets } from '../kpi/targets.js';
import { getArtifact } from './index.js';
import type { Comparer, ShadowReport } from './shadow-types.js';

const unrecoverable = (message: string) => Object.assign(new Error(message), { unrecoverable: true });

export const baselineComparer: Comparer = async (db, candidate, active, opts) => {
  const [role, metric, kind] = candidate.scope.split(':') as [string, string, PeriodKind];
  if (!role || !metric || !kind) throw unrecoverable(`baseline scope ${candidate.scope} is not role:metric:kind`);
  const key: ScopeKey = { role, metric, kind };
  const bytes = await getArtifact(db, candidate.id);
  if (!bytes) throw unrecoverable(`${candidate.id} has no artifact`);
  const model = deserialize(Buffer.from(bytes).toString('utf8'));
  const cand: ActiveModel = { version: candidate, model, coverage: backtestCoverage(model) };
  const act = active ? await activeModel(db, key) : null;
  const last = await db.query<{ last: string | null }>(
    `select max(h.period) as last from kpi_history h join employees e on e.id = h.employee_id
     where e.role_id = $1 and h.metric_id = $2 and h.period_kind = $3`,
    [role, metric, kind],
  );
  const lastPeriod = last.rows[0]?.last ? parsePeriod(last.rows[0].last) : null;
  if (!lastPeriod) throw unrecoverable(`no KPI history for ${candidate.scope}`);
  const period = shiftPeriod(lastPeriod, 1);
  await opts.progress?.(10, `targets for ${period.id} from the candidate`);
  const compute = opts.compute;
  const forecaster: Forecaster | undefined = compute
    ? (m, series, h) => {
        const packed = packSeries(series);
        return compute.run(
          'forecasts',
          { model: m, series: packed, h },
          {
            transfer: [packed.values, packed.vOff, packed.xOff, packed.promo, packed.tenure].map(
              (a) => a.buffer as ArrayBuffer,
            ),
          },
        );
      }
    : undefined;
  const after = await scopeTargets(db, key, period, { active: cand, forecaster });
  await opts.progress?.(50, `targets for ${period.id} from the active version`);
  const before = act ? await scopeTargets(db, key, period, { active: act, forecaster }) : null;
  const was = new Map((before?.people ?? []).map((p) => [p.employee_id, p.suggested_target]));
  const moved: ShadowReport['moved'] = [];
  let changed = 0;
  for (const p of after.people) {
    const a = was.get(p.employee_id);
    if (a === undefined) continue;
    const delta = p.suggested_target - a;
    if (delta !== 0) changed++;
    const relative = Math.abs(delta) / Math.max(Math.abs(a), 1e-9);
    if (relative > opts.threshold)
      moved.push({
        id: p.employee_id,
        n: 1,
        active: a,
        candidate: p.suggested_target,
        delta: Math.round(delta * 1e6) / 1e6,
      });
  }
  moved.sort((x, y) => Math.abs(y.delta / (y.active || 1)) - Math.abs(x.delta / (x.active || 1)));
  return {
    kind: candidate.kind,
    scope: candidate.scope,
    candidate: candidate.id,
    active: active?.id ?? null,
    compared: after.people.length,
    changed,
    threshold: opts.threshold,
    moved: moved.slice(0, 100),
    moved_count: moved.length,
    evaluation: {
      source: `rolling-origin backtest coverage; targets for ${period.id}`,
      n: after.people.length,
      active: act ? { coverage80: act.coverage.c80, coverage95: act.coverage.c95 } : null,
      candidate: { coverage80: cand.coverage.c80, coverage95: cand.coverage.c95 },
    },
    at: new Date().toISOString(),
  };
};
