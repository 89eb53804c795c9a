/**
 * Suggested targets and warning lines for a role, metric and period, per person, from the active
 * baseline model: floor (warning line), baseline, target and stretch are stated quantiles of the
 * calibrated predictive distribution, mirrored when lower is better. Forecasts of a whole scope
 * are cached (one document per model version and period) while the history, the people and the
 * calendar are unchanged. The flow lives here; the SQL in targets-store.ts, the maths in target-lines.ts.
 */
import { BaselineInputError } from '../baselines/index.js';
import { forecastPacked, type PackedForecasts } from '../baselines/parallel.js';
import type { TrainedGroupModel } from '../baselines/model.js';
import type { SeriesInput } from '../baselines/types.js';
import type { Queryable } from '../db/types.js';
import { parsePeriod, shiftPeriod, type Period } from '../history/period.js';
import { DomainError } from '../lib/errors.js';
import { isPromotionPeriod } from './cycles.js';
import { activeModel, type ActiveModel } from './models.js';
import { loadOverrides } from './overrides.js';
import {
  emptySeries,
  gridStarts,
  loadScopeHistory,
  personSeries,
  promoFlags,
  type ScopeHistory,
  scopeId,
  tenureMonths,
  type ScopeKey,
  type SeriesContextSlices,
} from './series.js';
import {
  decodeSet,
  encodeSet,
  type ForecastSet,
  origin,
  r7,
  STALE_AFTER,
  type TargetsAnswer,
  targetsAnswer,
} from './target-lines.js';
import {
  actualValues,
  cachedForecast,
  forecastFingerprint,
  lastPeriodWithData,
  type MetricInfo,
  metricInfo,
  storeForecast,
} from './targets-store.js';

export {
  type ForecastSet,
  type Line,
  type PersonTarget,
  QUANTILE_CHOICE,
  STALE_AFTER,
  TARGET_LEVELS,
  type TargetsAnswer,
} from './target-lines.js';
export { assertRole, type MetricInfo, metricInfo } from './targets-store.js';

/**
 * A target that cannot be computed or set, with a stable code: bad_period, no_model, no_history,
 * no_history_before_period, horizon_too_long, value_out_of_range, wrong_role and the baselines'
 * input codes (src/baselines/errors.ts). The HTTP statuses are the error plugin's (src/plugins/errors.ts).
 */
export class TargetError extends DomainError {}

export function parseTargetPeriod(text: string): Period {
  const p = parsePeriod(text);
  if (!p)
    throw new TargetError(
      'bad_period',
      `'${text}' is not a period (ISO week 2026-W07, month 2026-03 or quarter 2026-Q1)`,
    );
  return p;
}

/**
 * Where a scope's forecasts are computed: by default `forecastPacked` (this thread and the forecasting
 * helper); a job passes one that runs them in its job thread (src/jobs/compute.ts), e.g. the shadow comparison.
 */
export type Forecaster = (
  model: TrainedGroupModel,
  series: readonly SeriesInput[],
  h: number,
  modelKey: string,
) => Promise<PackedForecasts>;

/**
 * Takes the store of a forecast set just computed, for the caller to run once its answer is sent
 * (src/services/later-stores.ts): a cold request does not wait for the ≈ 20 ms of database work of
 * caching 10,000 forecasts. Only for a database, not a transaction (the store runs after it).
 */
export type StoreLater = (store: () => Promise<void>) => void;

/**
 * Forecasts of everyone in the scope for `period`, from the cache when still valid. A set computed
 * now is cached before this resolves, or with `storeLater` handed to it.
 */
export async function forecastSet(
  db: Queryable,
  key: ScopeKey,
  period: Period,
  active?: ActiveModel,
  forecaster: Forecaster = forecastPacked,
  storeLater?: StoreLater,
): Promise<{ set: ForecastSet; model: ActiveModel; cached: boolean }> {
  const am = active ?? (await activeModel(db, key));
  if (!am)
    throw new TargetError(
      'no_model',
      `no active baseline model for ${scopeId(key)}; train one with POST /v1/baselines/train`,
    );
  const print = await forecastFingerprint(db);
  const hit = await cachedForecast(db, am.version.id, period.id);
  const cached = hit?.fingerprint === print ? decodeSet(hit.payload) : null;
  if (cached) return { set: cached, model: am, cached: true };

  const set = await computeSet(db, key, period, am, forecaster);
  // under the fingerprint read before the history: a write since makes it stale, never served
  const store = () => storeForecast(db, am.version.id, period.id, print, encodeSet(set));
  if (storeLater) storeLater(store);
  else await store();
  return { set, model: am, cached: false };
}

/** Where a scope's forecasts start and what they cover, and what its people's series share. */
interface SetFrame {
  h: number;
  H: number;
  cutoff: Period;
  /** grid positions of the origin (the first period not used) and of the period */
  end: number;
  at: number;
  promo: boolean[];
  tenure: (p: { hireDate: string | null; first: number }) => number[];
  /** the flags and tenure from a grid position on, for one tenure (shared: forecasting only reads them) */
  slices: (tenure: number[], from: number) => SeriesContextSlices;
  stale: number;
}

/** The forecast origin of `period` on the scope's grid after its last data (`lastData`), with the checks of a set. */
function setFrame(
  key: ScopeKey,
  period: Period,
  am: ActiveModel,
  hist: Pick<ScopeHistory, 'key' | 'grid' | 'events'>,
  lastData: number,
): SetFrame {
  const { cutoff, h } = origin(hist.grid.periods[lastData]!, period);
  const H = am.model.spec.H;
  if (h > H) {
    throw new TargetError(
      'horizon_too_long',
      `${period.id} is ${h} periods after the last data (${shiftPeriod(cutoff, -1).id}); the ${scopeId(key)} model forecasts at most ${H}`,
    );
  }
  const end = hist.grid.pos.get(cutoff.id);
  if (end === undefined || end === 0)
    throw new TargetError(
      'no_history_before_period',
      `no ${key.metric} history of role ${key.role} before ${period.id}`,
    );
  const starts = gridStarts(hist, H);
  // tenure per distinct hire date (and first value when there is none), not per person: most people share one
  const tenures = new Map<string, number[]>();
  const tenure = (p: { hireDate: string | null; first: number }): number[] => {
    const k = p.hireDate ? p.hireDate : `#${p.first}`;
    let t = tenures.get(k);
    if (!t) tenures.set(k, (t = tenureMonths(starts, p)));
    return t;
  };
  const promo = promoFlags(hist, H);
  // the flags and tenure of a series cut once per tenure and first period, shared by the people who have
  // them (cutting two arrays per person was a tenth of the forecasting's time, mostly in collecting them)
  const cuts = new Map<number[], Map<number, SeriesContextSlices>>();
  const slices = (t: number[], from: number): SeriesContextSlices => {
    let byFrom = cuts.get(t);
    if (!byFrom) cuts.set(t, (byFrom = new Map()));
    let c = byFrom.get(from);
    if (!c) byFrom.set(from, (c = { promo: promo.slice(from, end + H), tenure: t.slice(from, end + H) }));
    return c;
  };
  return { h, H, cutoff, end, at: hist.grid.pos.get(period.id)!, promo, tenure, slices, stale: STALE_AFTER[key.kind] };
}

/**
 * The series to forecast of the people read in `hist`: first its people with values (in their order:
 * those with recent values, and cold starts whose first value is after the origin), then those with
 * no value at all.
 */
function seriesOf(hist: ScopeHistory, f: SetFrame, period: Period): SeriesInput[] {
  const { end, at, H, promo, tenure, slices, stale } = f;
  const series: SeriesInput[] = [];
  for (const p of hist.people) {
    if (p.first >= end) {
      // no history before the origin: a cold start if they were there by the period
      if (p.first <= at) {
        const t = tenure(p);
        series.push(emptySeries(hist, p.id, end, H, promo, t, slices(t, end)));
      }
      continue;
    }
    let recent = false;
    for (let i = end - 1; i >= Math.max(p.first, end - stale); i--) if (!Number.isNaN(p.values[i]!)) recent = true;
    if (recent) {
      const t = tenure(p);
      series.push(personSeries(hist, p, end, H, promo, t, slices(t, p.first)));
    }
  }
  for (const p of hist.withoutHistory) {
    if (p.hireDate && p.hireDate > period.end) continue;
    const t = tenure({ hireDate: p.hireDate, first: end });
    series.push(emptySeries(hist, p.id, end, H, promo, t, slices(t, end)));
  }
  return series;
}

async function computeSet(
  db: Queryable,
  key: ScopeKey,
  period: Period,
  am: ActiveModel,
  forecaster: Forecaster,
): Promise<ForecastSet> {
  const hist = await loadScopeHistory(db, key, { through: period });
  if (!hist) throw new TargetError('no_history', `no ${key.kind}ly history of ${key.metric} for role ${key.role}`);
  let lastData = 0;
  for (const p of hist.people) lastData = Math.max(lastData, p.last);
  const frame = setFrame(key, period, am, hist, lastData);
  const series = seriesOf(hist, frame, period);
  let f: PackedForecasts;
  try {
    // on this thread and the forecasting helper thread at once (src/baselines/parallel.ts)
    f = await forecaster(am.model, series, frame.h, am.version.id);
  } catch (err) {
    if (err instanceof BaselineInputError) throw new TargetError(err.code, err.message);
    throw err;
  }
  // 7 significant digits: far below any KPI's precision, and answers read 12.34567, not 12.345670000000002
  for (const a of [f.q, f.d]) for (let i = 0; i < a.length; i++) a[i] = r7(a[i]!);
  return {
    model_id: am.version.id,
    period: period.id,
    h: frame.h,
    through: shiftPeriod(frame.cutoff, -1).id,
    levels: am.model.levels,
    promotion: isPromotionPeriod(period, hist.events),
    ids: f.ids,
    cold: f.cold,
    q: f.q,
    d: f.d,
  };
}

/** Targets for every person of the role (or one person) for a metric and period. */
export async function scopeTargets(
  db: Queryable,
  key: ScopeKey,
  period: Period,
  opts: {
    employeeId?: string | undefined;
    metric?: MetricInfo;
    active?: ActiveModel;
    forecaster?: Forecaster;
    storeLater?: StoreLater | undefined;
  } = {},
): Promise<TargetsAnswer> {
  const metric = opts.metric ?? (await metricInfo(db, key.metric));
  const { set, model } = await forecastSet(db, key, period, opts.active, opts.forecaster, opts.storeLater);
  const actuals = await actualValues(db, key, period, opts.employeeId);
  const overrides = await loadOverrides(db, key, period.id);
  return targetsAnswer(key, period, metric, set, model, actuals, overrides, opts.employeeId);
}

/**
 * Computes and caches the forecasts for the period after the scope's last data (the one HR asks
 * for), so that the first request is served from the cache. Returns that period, or null.
 * `forecaster`: where the forecasts run (train_baselines passes its job thread's).
 */
export async function warmNextPeriod(db: Queryable, key: ScopeKey, forecaster?: Forecaster): Promise<string | null> {
  const last = await lastPeriodWithData(db, key);
  if (!last) return null;
  const next = shiftPeriod(parsePeriod(last)!, 1);
  try {
    await forecastSet(db, key, next, undefined, forecaster);
    return next.id;
  } catch (err) {
    if (err instanceof TargetError) return null;
    throw err;
  }
}
